using Amazon.CDK.Assertions;

using Enclave.Cdk;

namespace Enclave.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class AuditDigestScheduleTests(SynthesizedApp synth)
{
    [Fact]
    public void The_scheduler_invokes_the_processor_with_the_digest_payload_and_the_processor_may_read_only_days_and_digests()
    {
        synth.MainTemplate.HasResourceProperties("AWS::Scheduler::Schedule", new Dictionary<string, object>
        {
            ["ScheduleExpression"] = "rate(15 minutes)",
            ["Target"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Arn"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new object[] { synth.LogicalId(synth.Main.Processor.App.Function), "Arn" } },
                ["Input"] = AuditDigestSchedule.Payload,
            }),
        });

        var queries = RoleStatements.Of(synth, synth.Main.Processor.App.Function.Role!)
            .Where(s => RoleStatements.Actions(s).SequenceEqual(["dynamodb:Query"])).ToList();
        // Two Queries for the digest job, one for the sweeper's keys-only index.
        Assert.Equal(3, queries.Count);
        Assert.Contains(queries, s => s.ToJsonString().Contains("DIGEST#*", StringComparison.Ordinal));
        Assert.Contains(queries, s => s.ToJsonString().Contains("DAY#*", StringComparison.Ordinal) && s.ToJsonString().Contains("/index/byDay", StringComparison.Ordinal));
    }
}
