using System.Text.Json.Nodes;

using Amazon.CDK.AWS.IAM;

using Enclave.Cdk;
using Enclave.Core.Security;

namespace Enclave.Infra.Tests;

/// <summary>Issue 4 part 2 as the template states it; IamMatrixTests proves the same by evaluation.</summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class IsolationTests(SynthesizedApp synth)
{
    public static TheoryData<string> FunctionRoles => ["Api", "Processor"];

    private IRole FunctionRole(string name) => name == "Api" ? synth.Main.Api.App.Function.Role! : synth.Main.Processor.App.Function.Role!;

    [Theory]
    [MemberData(nameof(FunctionRoles))]
    public void Function_roles_have_no_object_action_and_no_item_action_on_the_data_table(string name)
    {
        var dataTable = synth.LogicalId(synth.Main.Data.DataTable);
        foreach (var statement in RoleStatements.Of(synth, FunctionRole(name)))
        {
            var actions = RoleStatements.Actions(statement).ToList();
            // The processor may list incomplete multipart uploads (ids only) for the sweeper; no object action anywhere.
            Assert.DoesNotContain(actions, a => a.StartsWith("s3:", StringComparison.Ordinal) && a != "s3:GetBucketLocation" &&
                                                !(name == "Processor" && a == Enclave.Cdk.Processor.MultipartListAction));
            Assert.DoesNotContain(actions, a => a.Contains('*', StringComparison.Ordinal) && !a.StartsWith("xray:", StringComparison.Ordinal));
            var resources = statement["Resource"]!.ToJsonString();
            if (resources.Contains(dataTable, StringComparison.Ordinal))
            {
                // Stream reads (processor), DescribeTable (API readiness), and the processor's Query of the keys-only sweep index only.
                var sweepIndexOnly = resources.Contains($"/index/{Core.Storage.TableSchemas.SweepDue}", StringComparison.Ordinal) && name == "Processor";
                Assert.All(actions, a => Assert.True(a == "dynamodb:DescribeTable" || a.StartsWith("dynamodb:GetRecords", StringComparison.Ordinal) ||
                    (sweepIndexOnly && a == "dynamodb:Query") ||
                    a is "dynamodb:GetShardIterator" or "dynamodb:DescribeStream" or "dynamodb:ListStreams", $"{name} role: {a} on the data table"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(FunctionRoles))]
    public void Function_roles_may_assume_the_user_data_role(string name)
    {
        var userDataRole = synth.LogicalId(synth.Main.UserData.Role);
        Assert.Contains(RoleStatements.Of(synth, FunctionRole(name)), s =>
            RoleStatements.Actions(s).SequenceEqual(["sts:AssumeRole", "sts:TagSession"]) &&
            s["Resource"]!.ToJsonString().Contains(userDataRole, StringComparison.Ordinal) &&
            (string)s["Condition"]!["StringLike"]![$"aws:RequestTag/{UserDataPolicy.UserTagKey}"]! == "?*");
    }

    [Fact]
    public void User_data_role_trusts_exactly_the_two_function_roles_for_one_hour_sessions_with_the_user_tag()
    {
        var role = synth.Resource(synth.Main.UserData.Role)["Properties"]!;
        Assert.Equal(3600, (int)role["MaxSessionDuration"]!);
        var trust = role["AssumeRolePolicyDocument"]!["Statement"]!.AsArray();
        var principals = trust.SelectMany(s => s!["Principal"]!["AWS"] is JsonArray many ? many.Select(p => p!.ToJsonString()) : [s!["Principal"]!["AWS"]!.ToJsonString()]).ToList();
        Assert.Equal(2, principals.Count);
        Assert.Contains(principals, p => p.Contains(synth.LogicalId(FunctionRole("Api")), StringComparison.Ordinal));
        Assert.Contains(principals, p => p.Contains(synth.LogicalId(FunctionRole("Processor")), StringComparison.Ordinal));
        Assert.All(trust, s =>
        {
            Assert.Equal(["sts:AssumeRole", "sts:TagSession"], RoleStatements.Actions(s!));
            Assert.Equal("?*", (string)s!["Condition"]!["StringLike"]![$"aws:RequestTag/{UserDataPolicy.UserTagKey}"]!);
            Assert.Equal(UserDataPolicy.UserTagKey, (string)s["Condition"]!["ForAllValues:StringEquals"]!["aws:TagKeys"]![0]!);
        });
    }

    [Fact]
    public void User_data_role_ceiling_is_the_tagged_users_prefix_and_partitions_with_the_null_condition()
    {
        var statements = RoleStatements.Of(synth, synth.Main.UserData.Role);
        Assert.Equal(4, statements.Count);

        var objects = statements.Single(s => RoleStatements.Actions(s).SequenceEqual(UserDataPolicy.ObjectActions));
        Assert.EndsWith("/users/${aws:PrincipalTag/enclave-user}/*", (string)objects["Resource"]!["Fn::Join"]![1]!.AsArray().Last()!);

        var list = statements.Single(s => RoleStatements.Actions(s).SequenceEqual(UserDataPolicy.ListActions));
        Assert.Equal("users/${aws:PrincipalTag/enclave-user}/*", (string)list["Condition"]!["StringLike"]!["s3:prefix"]!);

        var items = statements.Single(s => RoleStatements.Actions(s).SequenceEqual(UserDataPolicy.ItemActions));
        AssertLeadingKeys(items, ["USER#${aws:PrincipalTag/enclave-user}"], synth.Main.Data.DataTable);
        var records = statements.Single(s => RoleStatements.Actions(s).SequenceEqual(UserDataPolicy.RecordActions) &&
            s["Resource"]!.ToJsonString().Contains(synth.LogicalId(synth.Main.Data.AuditTable), StringComparison.Ordinal));
        AssertLeadingKeys(records, ["ACTOR#${aws:PrincipalTag/enclave-user}", "ACTOR#service:*"], synth.Main.Data.AuditTable);
    }

    private void AssertLeadingKeys(JsonNode statement, string[] patterns, Amazon.CDK.AWS.DynamoDB.ITable table)
    {
        Assert.Contains(synth.LogicalId(table), statement["Resource"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("index", statement["Resource"]!.ToJsonString(), StringComparison.Ordinal);
        var keys = statement["Condition"]!["ForAllValues:StringLike"]!["dynamodb:LeadingKeys"]!;
        Assert.Equal(patterns, keys is JsonArray many ? [.. many.Select(k => (string)k!)] : [(string)keys!]);
        Assert.Equal("false", (string)statement["Condition"]!["Null"]!["dynamodb:LeadingKeys"]!);
    }
}
