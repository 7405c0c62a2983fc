using Enclave.Core.Storage;

namespace Enclave.Infra.Tests;

/// <summary>The sweeper in AWS: a keys-only index the processor may query, and a schedule that invokes it.</summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class SweepTests(SynthesizedApp synth)
{
    [Fact]
    public void The_data_table_has_the_keys_only_sweep_index_the_app_uses_locally()
    {
        var local = TableSchemas.Data("enclave-data").GlobalSecondaryIndexes.Single();
        var index = synth.Resource(synth.Main.Data.DataTable)["Properties"]!["GlobalSecondaryIndexes"]!.AsArray().Single()!;
        Assert.Equal(local.IndexName, (string)index["IndexName"]!);
        Assert.Equal(local.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)),
            index["KeySchema"]!.AsArray().Select(k => ((string)k!["AttributeName"]!, (string)k["KeyType"]!)));
        Assert.Equal("KEYS_ONLY", (string)index["Projection"]!["ProjectionType"]!);
    }

    [Fact]
    public void The_processor_role_may_query_the_sweep_index_and_no_other_part_of_the_data_table()
    {
        var statements = RoleStatements.Of(synth, synth.Main.Processor.App.Function.Role!);
        var dataTable = synth.LogicalId(synth.Main.Data.DataTable);
        var onData = statements.Where(s => s["Resource"]!.ToJsonString().Contains(dataTable, StringComparison.Ordinal)).ToList();
        var query = Assert.Single(onData, s => RoleStatements.Actions(s).Contains("dynamodb:Query"));
        Assert.Equal(["dynamodb:Query"], RoleStatements.Actions(query));
        // The other statements on the table are the stream reads.
        Assert.All(onData.Where(s => s != query), s => Assert.DoesNotContain(RoleStatements.Actions(s), a => a is "dynamodb:Query" or "dynamodb:GetItem" or "dynamodb:Scan"));
        Assert.EndsWith($"/index/{TableSchemas.SweepDue}", query["Resource"]!.ToJsonString().TrimEnd('"', ']', '}'), StringComparison.Ordinal);
    }

    [Fact]
    public void A_schedule_invokes_the_processor_with_the_sweep_event_through_a_role_that_may_only_invoke_it()
    {
        var schedule = synth.MainResources[synth.Main.GetLogicalId(synth.Main.Processor.SweepSchedule)]!["Properties"]!;
        Assert.Equal("rate(5 minutes)", (string)schedule["ScheduleExpression"]!);
        var target = schedule["Target"]!;
        var function = synth.LogicalId(synth.Main.Processor.App.Function);
        Assert.Equal(function, (string)target["Arn"]!["Fn::GetAtt"]![0]!);
        Assert.Equal("{\"job\":\"" + Enclave.Cdk.Processor.SweepJob + "\"}", (string)target["Input"]!);

        var invoker = (string)target["RoleArn"]!["Fn::GetAtt"]![0]!;
        var policies = synth.MainResources.Select(r => r.Value!)
            .Where(r => (string)r["Type"]! == "AWS::IAM::Policy" && r["Properties"]!["Roles"]!.AsArray().Any(x => (string?)x!["Ref"] == invoker))
            .SelectMany(r => r["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray()).ToList();
        var invoke = Assert.Single(policies)!;
        Assert.Equal(["lambda:InvokeFunction"], RoleStatements.Actions(invoke));
        Assert.Contains(function, invoke["Resource"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_processor_role_may_list_incomplete_multipart_uploads_of_the_upload_bucket_and_nothing_else_of_it()
    {
        var statements = RoleStatements.Of(synth, synth.Main.Processor.App.Function.Role!);
        var onBucket = Assert.Single(statements, s => RoleStatements.Actions(s).Any(a => a.StartsWith("s3:List", StringComparison.Ordinal)));
        Assert.Equal([Enclave.Cdk.Processor.MultipartListAction], RoleStatements.Actions(onBucket));
        var resource = onBucket["Resource"]!.ToJsonString();
        Assert.Contains("-uploads-", resource, StringComparison.Ordinal);
        Assert.DoesNotContain("/*", resource, StringComparison.Ordinal); // the bucket, no object
    }
}
