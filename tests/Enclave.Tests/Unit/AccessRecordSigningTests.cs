using Enclave.Core.Audit;

namespace Enclave.Tests.Unit;

public sealed class AccessRecordSigningTests
{
    private static AccessRecord Sample() => new(
        "01a209ec-fc1b-72c7-a707-98127db8f8e9", DateTimeOffset.Parse("2026-11-23T10:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture),
        "01a209ec-fc1b-72c7-a707-98127db8f8ea", "01a209ec-fc1b-72c7-a707-98127db8f8eb", "session.read", AccessOutcome.Allowed, null,
        "01a209ec-fc1b-72c7-a707-98127db8f8ec", null, null, "127.0.0.1", "host-1");

    [Fact]
    public void Canonical_form_separates_every_field_unambiguously()
    {
        var a = Sample();
        Assert.NotEqual(a.Canonical(), (a with { Reason = "", SessionId = null }).Canonical());
        Assert.NotEqual((a with { Reason = "x|1:y" }).Canonical(), (a with { Reason = "x", UploadId = "y" }).Canonical());
        Assert.NotEqual(a.Canonical(), (a with { ActorUserId = null }).Canonical());
        Assert.Equal(a.Canonical(), Sample().Canonical());
    }

    [Fact]
    public void Stored_item_round_trips_and_verifies_only_with_the_signing_key()
    {
        var key = new Core.Secrets.SigningKey("0123456789abcdef0123456789abcdef"u8.ToArray());
        var item = AccessRecordItem.ToItem(Sample(), key);
        var stored = new StoredAccessRecord(AccessRecordItem.FromItem(item), item["keyId"].S, item["mac"].S);
        Assert.Equal(Sample(), stored.Record);
        Assert.True(stored.Verify(key));
        Assert.False(stored.Verify(new Core.Secrets.SigningKey("fedcba9876543210fedcba9876543210"u8.ToArray())));
        Assert.Equal("ACTOR#01a209ec-fc1b-72c7-a707-98127db8f8eb", item["pk"].S);
        Assert.Equal("SESSION#01a209ec-fc1b-72c7-a707-98127db8f8ec", item["gsi1pk"].S);
        Assert.Equal("DAY#2026-11-23", item["gsi2pk"].S);
    }
}
