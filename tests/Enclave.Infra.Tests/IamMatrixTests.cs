using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using Enclave.Cdk;
using Enclave.Core.Accounts;
using Enclave.Core.Audit;
using Enclave.Core.Ids;
using Enclave.Core.Security;
using Enclave.Core.Storage;
using Enclave.Core.Uploads;

using Xunit.Abstractions;

namespace Enclave.Infra.Tests;

/// <summary>
/// The isolation proof: every action the app performs on user data, simulated with
/// @cloud-copilot/iam-simulate over the synthesized role policies and the session policy the app
/// really generates (UserDataPolicy.For). Own prefix/partition allowed; another user's, or a request
/// without leading keys, denied; the function roles denied direct user-data access.
/// </summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class IamMatrixTests(SynthesizedApp synth, ITestOutputHelper output)
{
    private const string Account = "123456789012";
    private const string Region = "us-east-1";
    private static readonly string Bucket = $"enclave-uploads-{Account}-{Region}";
    private static readonly string DataTable = $"arn:aws:dynamodb:{Region}:{Account}:table/enclave-data";
    private static readonly string AuditTable = $"arn:aws:dynamodb:{Region}:{Account}:table/enclave-audit";
    private static readonly string IdentityTable = $"arn:aws:dynamodb:{Region}:{Account}:table/enclave-identity";
    private const string Processor = "service:processor";

    private sealed record Case(
        string Name, string Role, JsonNode? SessionPolicy, string Action, string Resource, Dictionary<string, object> Context, string Expected,
        string? TrustOf = null, string? Identity = null);

    [Fact]
    public void Every_user_data_action_is_allowed_only_on_the_callers_own_prefix_and_partition()
    {
        var cases = BuildCases();
        var dir = Directory.CreateDirectory(Path.Combine(synth.Root, "iam-matrix")).FullName;
        var casesFile = Path.Combine(dir, "cases.json");
        var resultsFile = Path.Combine(dir, "results.json");
        File.WriteAllText(casesFile, JsonSerializer.Serialize(cases.Select(c => new
        {
            name = c.Name,
            role = c.Role,
            sessionPolicy = c.SessionPolicy,
            action = c.Action,
            resource = c.Resource,
            context = c.Context,
            expected = c.Expected,
            trustOf = c.TrustOf,
            identity = c.Identity,
        })));

        var started = DateTime.UtcNow;
        var (exitCode, _, stderr) = NodeTool.Run("iam-matrix.mjs", Path.Combine(synth.AssemblyDir, "Enclave.template.json"), casesFile, resultsFile);
        Assert.True(exitCode == 0, stderr);
        var elapsed = DateTime.UtcNow - started;

        var results = JsonNode.Parse(File.ReadAllText(resultsFile))!.AsArray();
        Assert.Equal(cases.Count, results.Count);
        var unexpected = results.Where(r => (string)r!["combined"]! != (string)r!["expected"]! || !(bool)r!["consistent"]!).ToList();

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"IAM matrix: {cases.Count} cases (each simulated 3 ways), {unexpected.Count} unexpected, {elapsed.TotalSeconds:F1} s");
        foreach (var r in results)
        {
            var mark = unexpected.Contains(r) ? "UNEXPECTED" : "ok";
            report.AppendLine(CultureInfo.InvariantCulture, $"{mark,-10} {r!["combined"],-8} (role {r["roleOnly"]}, session {r["sessionOnly"]})  {r["name"]}");
        }

        output.WriteLine(report.ToString());
        var artefacts = Directory.CreateDirectory(Path.Combine(NodeTool.RepoRoot, "artifacts", "test-results")).FullName;
        File.WriteAllText(Path.Combine(artefacts, "iam-matrix.txt"), report.ToString());

        Assert.True(cases.Count >= 100, $"matrix unexpectedly small: {cases.Count}");
        Assert.True(unexpected.Count == 0, string.Join('\n', unexpected.Select(u => u!.ToJsonString())));
    }

    [Fact]
    public void Without_the_null_condition_a_request_without_leading_keys_would_be_allowed()
    {
        // The control that shows the simulator evaluates the conditions the matrix relies on: strip the
        // Null condition from the role and the session policy and the keyless Query goes through.
        var template = JsonNode.Parse(File.ReadAllText(Path.Combine(synth.AssemblyDir, "Enclave.template.json")))!;
        var userDataRole = synth.LogicalId(synth.Main.UserData.Role);
        foreach (var resource in template["Resources"]!.AsObject().Select(r => r.Value!).Where(r => (string)r["Type"]! == "AWS::IAM::Policy"))
        {
            foreach (var statement in resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            {
                statement!["Condition"]?.AsObject().Remove("Null");
            }
        }

        var userA = EntityId.New().Value;
        var session = JsonNode.Parse(UserDataPolicy.For(userA, new UserDataResources(Bucket, "enclave-data", "enclave-audit"), [userA]))!;
        foreach (var statement in session["Statement"]!.AsArray())
        {
            statement!["Condition"]?.AsObject().Remove("Null");
        }

        var dir = Directory.CreateDirectory(Path.Combine(synth.Root, "iam-control")).FullName;
        File.WriteAllText(Path.Combine(dir, "template.json"), template.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "cases.json"), new JsonArray(new JsonObject
        {
            ["name"] = "keyless query without the Null condition",
            ["role"] = userDataRole,
            ["sessionPolicy"] = session,
            ["action"] = "dynamodb:Query",
            ["resource"] = DataTable,
            ["context"] = new JsonObject { [$"aws:PrincipalTag/{UserDataPolicy.UserTagKey}"] = userA },
            ["expected"] = "Denied",
        }).ToJsonString());
        var (exitCode, _, stderr) = NodeTool.Run("iam-matrix.mjs", Path.Combine(dir, "template.json"), Path.Combine(dir, "cases.json"), Path.Combine(dir, "results.json"));
        Assert.True(exitCode == 0, stderr);
        Assert.Equal("Allowed", (string)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "results.json")))![0]!["combined"]!);
    }

    private List<Case> BuildCases()
    {
        var userA = EntityId.New().Value;
        var userB = EntityId.New().Value;
        var resources = new UserDataResources(Bucket, "enclave-data", "enclave-audit");
        var userDataRole = synth.LogicalId(synth.Main.UserData.Role);
        var apiRole = synth.LogicalId(synth.Main.Api.App.Function.Role!);
        var processorRole = synth.LogicalId(synth.Main.Processor.App.Function.Role!);
        var auditorRole = synth.LogicalId(synth.Main.Audit.AuditorRole);
        var cases = new List<Case>();

        var sessions = new (string Holder, IReadOnlyList<string> Actors)[] { ("api", [userA]), ("processor", [userA, Processor]) };
        foreach (var (holder, actors) in sessions)
        {
            var policy = JsonNode.Parse(UserDataPolicy.For(userA, resources, actors));
            void Add(string name, string action, string resource, Dictionary<string, object> context, bool allowed) =>
                cases.Add(new Case($"{holder} session of A: {action} {name}", userDataRole, policy, action, resource, Tagged(userA, context), allowed ? "Allowed" : "Denied"));

            foreach (var action in UserDataPolicy.ObjectActions)
            {
                Add("own object", action, ObjectArn(UploadKeys.UserPrefix(userA) + "sessions/s1/data.csv"), [], allowed: true);
                Add("B's object", action, ObjectArn(UploadKeys.UserPrefix(userB) + "sessions/s1/data.csv"), [], allowed: false);
                Add("object outside users/", action, ObjectArn("web/index.html"), [], allowed: false);
                Add("A's id as a sibling prefix", action, ObjectArn($"users/{userA}x/sessions/s1/data.csv"), [], allowed: false);
            }

            foreach (var action in UserDataPolicy.ListActions)
            {
                Add("own prefix", action, BucketArn, Prefix(UploadKeys.UserPrefix(userA) + "sessions/"), allowed: true);
                Add("B's prefix", action, BucketArn, Prefix(UploadKeys.UserPrefix(userB)), allowed: false);
                Add("whole users/ prefix", action, BucketArn, Prefix(UploadKeys.AllUsersPrefix), allowed: false);
                Add("without a prefix", action, BucketArn, [], allowed: false);
            }

            foreach (var action in UserDataPolicy.ItemActions)
            {
                Add("own partition", action, DataTable, LeadingKeys(DataKeys.Owner(userA)), allowed: true);
                Add("B's partition", action, DataTable, LeadingKeys(DataKeys.Owner(userB)), allowed: false);
                Add("own and B's partitions", action, DataTable, LeadingKeys(DataKeys.Owner(userA), DataKeys.Owner(userB)), allowed: false);
                Add("without leading keys", action, DataTable, [], allowed: false);
                Add("identity table, own key", action, IdentityTable, LeadingKeys(DataKeys.Owner(userA)), allowed: false);
            }

            foreach (var action in UserDataPolicy.RecordActions)
            {
                Add("own records", action, AuditTable, LeadingKeys(AccessRecordLayout.ActorPrefix + userA), allowed: true);
                Add("B's records", action, AuditTable, LeadingKeys(AccessRecordLayout.ActorPrefix + userB), allowed: false);
                Add("processor's records", action, AuditTable, LeadingKeys(AccessRecordLayout.ActorPrefix + Processor + "#042"), allowed: holder == "processor");
                Add("processor's unsharded partition", action, AuditTable, LeadingKeys(AccessRecordLayout.ActorPrefix + Processor), allowed: false);
                Add("A's id with a shard suffix", action, AuditTable, LeadingKeys(AccessRecordLayout.ActorPrefix + userA + "#042"), allowed: false);
                Add("records without leading keys", action, AuditTable, [], allowed: false);
            }

            Add("scan of the data table", "dynamodb:Scan", DataTable, [], allowed: false);
            Add("delete of a whole bucket listing", "s3:DeleteBucket", BucketArn, [], allowed: false);
        }

        // The second layer: a session policy for A is not enough without A's session tag, and A's tag alone
        // (no session policy) reaches A's data only.
        var sessionOfA = JsonNode.Parse(UserDataPolicy.For(userA, resources, [userA]));
        void Layered(string name, string? tag, JsonNode? session, string action, string resource, Dictionary<string, object> context, bool allowed) =>
            cases.Add(new Case(name, userDataRole, session, action, resource, tag is null ? context : Tagged(tag, context), allowed ? "Allowed" : "Denied"));
        var ownObject = ObjectArn(UploadKeys.UserPrefix(userA) + "sessions/s1/data.csv");
        var objectOfB = ObjectArn(UploadKeys.UserPrefix(userB) + "sessions/s1/data.csv");
        foreach (var (label, tag) in new[] { ("untagged", (string?)null), ("tagged B", userB) })
        {
            foreach (var action in UserDataPolicy.ObjectActions)
            {
                Layered($"session policy of A, {label}: {action} A's object", tag, sessionOfA, action, ownObject, [], allowed: false);
            }

            Layered($"session policy of A, {label}: s3:ListBucket A's prefix", tag, sessionOfA, "s3:ListBucket", BucketArn, Prefix(UploadKeys.UserPrefix(userA)), allowed: false);
            foreach (var action in UserDataPolicy.ItemActions)
            {
                Layered($"session policy of A, {label}: {action} A's partition", tag, sessionOfA, action, DataTable, LeadingKeys(DataKeys.Owner(userA)), allowed: false);
            }

            Layered($"session policy of A, {label}: dynamodb:PutItem A's records", tag, sessionOfA, "dynamodb:PutItem", AuditTable, LeadingKeys(AccessRecordLayout.ActorPrefix + userA), allowed: false);
        }

        // The role's own policy, without any session policy: only the tagged user's prefix and partitions.
        void Ceiling(string name, string? tag, string action, string resource, Dictionary<string, object> context, bool allowed) =>
            Layered($"user-data role alone, {(tag is null ? "untagged" : tag == userA ? "tagged A" : "tagged B")}: {action} {name}", tag, null, action, resource, context, allowed);
        Ceiling("A's object", userA, "s3:GetObject", ownObject, [], allowed: true);
        Ceiling("B's object", userA, "s3:GetObject", objectOfB, [], allowed: false);
        Ceiling("A's object", null, "s3:GetObject", ownObject, [], allowed: false);
        Ceiling("A's object", userB, "s3:PutObject", ownObject, [], allowed: false);
        Ceiling("object outside users/", userA, "s3:GetObject", ObjectArn("other/file"), [], allowed: false);
        Ceiling("A's prefix", userA, "s3:ListBucket", BucketArn, Prefix(UploadKeys.UserPrefix(userA)), allowed: true);
        Ceiling("B's prefix", userA, "s3:ListBucketVersions", BucketArn, Prefix(UploadKeys.UserPrefix(userB)), allowed: false);
        Ceiling("whole users/ prefix", userA, "s3:ListBucket", BucketArn, Prefix(UploadKeys.AllUsersPrefix), allowed: false);
        Ceiling("A's partition", userA, "dynamodb:Query", DataTable, LeadingKeys(DataKeys.Owner(userA)), allowed: true);
        Ceiling("B's partition", userA, "dynamodb:Query", DataTable, LeadingKeys(DataKeys.Owner(userB)), allowed: false);
        Ceiling("A's partition", null, "dynamodb:GetItem", DataTable, LeadingKeys(DataKeys.Owner(userA)), allowed: false);
        Ceiling("non-user partition", userA, "dynamodb:GetItem", DataTable, LeadingKeys("ACCOUNT#x"), allowed: false);
        Ceiling("without leading keys", userA, "dynamodb:Query", DataTable, [], allowed: false);
        Ceiling("A's records", userA, "dynamodb:PutItem", AuditTable, LeadingKeys(AccessRecordLayout.ActorPrefix + userA), allowed: true);
        Ceiling("the processor's records", userA, "dynamodb:PutItem", AuditTable, LeadingKeys(AccessRecordLayout.ActorPrefix + Processor + "#042"), allowed: true);
        Ceiling("B's records", userA, "dynamodb:PutItem", AuditTable, LeadingKeys(AccessRecordLayout.ActorPrefix + userB), allowed: false);
        Ceiling("anonymous records", userA, "dynamodb:PutItem", AuditTable, LeadingKeys(AccessRecordLayout.ActorPrefix + "anonymous#001"), allowed: false);
        Ceiling("audit read", userA, "dynamodb:Query", AuditTable, LeadingKeys(AccessRecordLayout.ActorPrefix + userA), allowed: false);

        // Assuming the role: the trust policy and the function roles' own policies both demand exactly the user tag.
        var userDataRoleArn = $"arn:aws:iam::{Account}:role/{userDataRole}";
        void Assume(string name, string role, string action, Dictionary<string, object> context, bool allowed, string? identity = null) =>
            cases.Add(new Case($"{name}: {action} on the user-data role", role, null, action, userDataRoleArn, context, allowed ? "Allowed" : "Denied", userDataRole, identity));
        foreach (var (name, role) in new[] { ("api role", apiRole), ("processor role", processorRole) })
        {
            foreach (var action in new[] { "sts:AssumeRole", "sts:TagSession" })
            {
                Assume($"{name} with A's tag", role, action, RequestTags((UserDataPolicy.UserTagKey, userA)), allowed: true);
                Assume($"{name} without a tag", role, action, [], allowed: false);
                Assume($"{name} with an empty tag", role, action, RequestTags((UserDataPolicy.UserTagKey, "")), allowed: false);
                Assume($"{name} with a second tag", role, action, RequestTags((UserDataPolicy.UserTagKey, userA), ("team", "x")), allowed: false);
            }

            Assume($"{name}, any own policy, trust policy alone, without a tag", role, "sts:AssumeRole", [], allowed: false, identity: "allow-all");
            Assume($"{name}, any own policy, trust policy alone, with A's tag", role, "sts:AssumeRole", RequestTags((UserDataPolicy.UserTagKey, userA)), allowed: true, identity: "allow-all");
        }

        Assume("auditor role, any own policy, with A's tag", auditorRole, "sts:AssumeRole", RequestTags((UserDataPolicy.UserTagKey, userA)), allowed: false, identity: "allow-all");

        // The function roles themselves: no user object, no user item, whatever the key.
        foreach (var (name, role) in new[] { ("api role", apiRole), ("processor role", processorRole) })
        {
            void Direct(string what, string action, string resource, Dictionary<string, object> context, bool allowed) =>
                cases.Add(new Case($"{name}: {action} {what}", role, null, action, resource, context, allowed ? "Allowed" : "Denied"));
            foreach (var action in UserDataPolicy.ObjectActions)
            {
                Direct("user object", action, ObjectArn(UploadKeys.UserPrefix(userA) + "sessions/s1/data.csv"), [], allowed: false);
            }

            Direct("users/ prefix", "s3:ListBucket", BucketArn, Prefix(UploadKeys.UserPrefix(userA)), allowed: false);
            foreach (var action in UserDataPolicy.ItemActions)
            {
                Direct("user partition", action, DataTable, LeadingKeys(DataKeys.Owner(userA)), allowed: false);
            }

            Direct("scan of the data table", "dynamodb:Scan", DataTable, [], allowed: false);
            Direct("audit record", "dynamodb:PutItem", AuditTable, LeadingKeys(AccessRecordLayout.ActorPrefix + "anonymous"), allowed: true);
        }

        cases.Add(new Case("api role: identity GetItem", apiRole, null, "dynamodb:GetItem", IdentityTable, LeadingKeys("ACCOUNT#x"), "Allowed"));
        void Identity(string what, string action, string[] attributes, bool allowed) =>
            cases.Add(new Case($"api role: identity {action} {what}", apiRole, null, action, IdentityTable, new() { ["dynamodb:Attributes"] = attributes }, allowed ? "Allowed" : "Denied"));
        Identity("of the sign-in generation", "dynamodb:UpdateItem", ["pk", "sk", "generation"], allowed: true);
        Identity("of the roles", "dynamodb:UpdateItem", ["pk", "sk", RoleGrants.RolesAttribute], allowed: false);
        Identity("of the generation and the roles", "dynamodb:UpdateItem", ["generation", RoleGrants.RolesAttribute], allowed: false);
        Identity("of a new account", "dynamodb:PutItem", ["pk", "sk", "email", "generation", "createdAt"], allowed: true);
        Identity("of an account with roles", "dynamodb:PutItem", ["pk", "sk", "email", RoleGrants.RolesAttribute], allowed: false);
        Identity("(account erasure)", "dynamodb:Query", [], allowed: true);
        Identity("(unused)", "dynamodb:ConditionCheckItem", [], allowed: false);
        cases.Add(new Case("api role: data DescribeTable (readiness)", apiRole, null, "dynamodb:DescribeTable", DataTable, [], "Allowed"));
        void ProcessorIdentity(string what, string action, Dictionary<string, object> context, bool allowed) =>
            cases.Add(new Case($"processor role: identity {action} {what}", processorRole, null, action, IdentityTable, context, allowed ? "Allowed" : "Denied"));
        foreach (var action in new[] { "dynamodb:GetItem", "dynamodb:PutItem" })
        {
            ProcessorIdentity("of its sealed credentials", action, LeadingKeys(IdentityKeys.ProcessorPk(userA)), allowed: true);
            ProcessorIdentity("of an account", action, LeadingKeys(IdentityKeys.AccountPk(userA)), allowed: false);
            ProcessorIdentity("of an email", action, LeadingKeys(IdentityKeys.EmailPk("a@example.com")), allowed: false);
            ProcessorIdentity("without a key", action, [], allowed: false);
        }

        foreach (var action in new[] { "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan" })
        {
            ProcessorIdentity("of its sealed credentials", action, LeadingKeys(IdentityKeys.ProcessorPk(userA)), allowed: false);
        }

        void Auditor(string what, string action, string resource, bool allowed) =>
            cases.Add(new Case($"auditor: {action} {what}", auditorRole, null, action, resource, [], allowed ? "Allowed" : "Denied"));
        Auditor("audit table", "dynamodb:Query", AuditTable, allowed: true);
        Auditor("bySession index", "dynamodb:Query", AuditTable + "/index/bySession", allowed: true);
        Auditor("audit record", "dynamodb:GetItem", AuditTable, allowed: true);
        Auditor("audit record", "dynamodb:PutItem", AuditTable, allowed: false);
        Auditor("audit record", "dynamodb:DeleteItem", AuditTable, allowed: false);
        Auditor("data table", "dynamodb:Query", DataTable, allowed: false);
        Auditor("identity table", "dynamodb:GetItem", IdentityTable, allowed: false);
        Auditor("user object", "s3:GetObject", ObjectArn(UploadKeys.UserPrefix(userA) + "x"), allowed: false);
        Auditor("the user-data role", "sts:AssumeRole", $"arn:aws:iam::{Account}:role/{userDataRole}", allowed: false);
        return cases;
    }

    private static string BucketArn => $"arn:aws:s3:::{Bucket}";

    private static string ObjectArn(string key) => $"{BucketArn}/{key}";

    private static Dictionary<string, object> Prefix(string prefix) => new() { ["s3:prefix"] = prefix };

    private static Dictionary<string, object> LeadingKeys(params string[] keys) => new() { ["dynamodb:LeadingKeys"] = keys };

    /// <summary>What AWS puts in the request context of a session whose credentials carry the user tag.</summary>
    private static Dictionary<string, object> Tagged(string userId, Dictionary<string, object> context) =>
        new(context) { [$"aws:PrincipalTag/{UserDataPolicy.UserTagKey}"] = userId };

    private static Dictionary<string, object> RequestTags(params (string Key, string Value)[] tags)
    {
        var context = tags.ToDictionary(t => $"aws:RequestTag/{t.Key}", t => (object)t.Value);
        context["aws:TagKeys"] = tags.Select(t => t.Key).ToArray();
        return context;
    }
}
