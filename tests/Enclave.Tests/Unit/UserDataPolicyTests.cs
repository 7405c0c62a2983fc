using System.Text.Json;

using Enclave.Core.Ids;
using Enclave.Core.Security;

namespace Enclave.Tests.Unit;

public sealed class UserDataPolicyTests
{
    private static readonly UserDataResources Resources = new("enclave-uploads", "enclave-data", "enclave-audit");

    [Fact]
    public void Full_policy_scopes_objects_listing_items_and_records_to_the_one_user()
    {
        var user = EntityId.New().Value;
        var statements = Statements(UserDataPolicy.For(user, Resources, [user, "service:processor"]));
        Assert.Equal(4, statements.Count);

        var objects = statements[0];
        Assert.Equal(UserDataPolicy.ObjectActions, Strings(objects, "Action"));
        Assert.Equal([$"arn:aws:s3:::enclave-uploads/users/{user}/*"], Strings(objects, "Resource"));

        var listing = statements[1];
        Assert.Equal(UserDataPolicy.ListActions, Strings(listing, "Action"));
        Assert.Equal($"users/{user}/*", listing.GetProperty("Condition").GetProperty("StringLike").GetProperty("s3:prefix").GetString());

        var items = statements[2];
        Assert.Equal(UserDataPolicy.ItemActions, Strings(items, "Action"));
        Assert.Equal(["arn:aws:dynamodb:*:*:table/enclave-data"], Strings(items, "Resource"));
        Assert.Equal([$"USER#{user}"], LeadingKeys(items));
        Assert.Equal("false", items.GetProperty("Condition").GetProperty("Null").GetProperty("dynamodb:LeadingKeys").GetString());

        var records = statements[3];
        Assert.Equal(["dynamodb:PutItem"], Strings(records, "Action"));
        Assert.Equal([$"ACTOR#{user}", "ACTOR#service:processor#???"], LeadingKeys(records));
        Assert.All(statements, s => Assert.Equal("Allow", s.GetProperty("Effect").GetString()));
    }

    [Fact]
    public void The_policy_fits_the_STS_limit_with_room_to_spare()
    {
        var user = EntityId.New().Value;
        var longNames = new UserDataResources(new string('b', 63), new string('d', 255), new string('a', 255));
        Assert.InRange(UserDataPolicy.For(user, longNames, [user, "service:processor"]).Length, 1, UserDataPolicy.MaxLength);
    }

    [Fact]
    public void S3_only_scope_leaves_out_the_DynamoDB_statements()
    {
        var user = EntityId.New().Value;
        var statements = Statements(UserDataPolicy.For(user, Resources, [user], UserDataPolicyScope.S3Only));
        Assert.Equal(2, statements.Count);
        Assert.DoesNotContain(statements.SelectMany(s => Strings(s, "Action")), a => a.StartsWith("dynamodb:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("")]
    [InlineData("../x")]
    [InlineData("0190a4b2-9c1e-7d3f-8a2b-3c4d5e6f7a8b/*")]
    public void Anything_but_a_user_id_is_refused(string userId) =>
        Assert.Throws<ArgumentException>(() => UserDataPolicy.For(userId, Resources, [userId]));

    private static List<JsonElement> Statements(string policy) =>
        [.. JsonDocument.Parse(policy).RootElement.GetProperty("Statement").EnumerateArray()];

    private static string[] Strings(JsonElement statement, string name) =>
        [.. statement.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];

    private static string[] LeadingKeys(JsonElement statement) =>
        [.. statement.GetProperty("Condition").GetProperty("ForAllValues:StringLike").GetProperty("dynamodb:LeadingKeys").EnumerateArray().Select(e => e.GetString()!)];
}
