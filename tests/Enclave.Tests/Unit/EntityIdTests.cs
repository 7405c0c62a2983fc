using Enclave.Core.Ids;

namespace Enclave.Tests.Unit;

public sealed class EntityIdTests
{
    [Fact]
    public void New_ids_are_uuid_v7_and_parse_back()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => EntityId.New()).ToList();
        Assert.Equal(1000, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(EntityId.TryParse(id.Value, out var parsed) && parsed == id));
        Assert.All(ids, id => Assert.Equal('7', id.Value[14]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("01a209ec-fc1b-72c7-a707-98127db8f8e")]
    [InlineData("01a209ec-fc1b-72c7-a707-98127db8f8e9a")]
    [InlineData("01A209EC-FC1B-72C7-A707-98127DB8F8E9")]
    [InlineData("01a209ecfc1b72c7a70798127db8f8e9")]
    [InlineData("{01a209ec-fc1b-72c7-a707-98127db8f8e9}")]
    [InlineData("01a209ec-fc1b-42c7-a707-98127db8f8e9")]
    [InlineData("01a209ec-fc1b-72c7-c707-98127db8f8e9")]
    [InlineData("../../etc/passwd")]
    [InlineData("01a209ec-fc1b-72c7-a707-98127db8f8e9\n")]
    [InlineData("01a209ec-fc1b-72c7-a707-98127db8f8g9")]
    [InlineData("01a209ec_fc1b-72c7-a707-98127db8f8e9")]
    public void Anything_but_the_strict_form_is_not_an_id(string? text) => Assert.False(EntityId.TryParse(text, out _));
}
