using System.Text.Json.Nodes;

using Amazon.CDK.Assertions;

using Enclave.Cdk;

namespace Enclave.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class AuditAndObservabilityTests(SynthesizedApp synth)
{
    [Fact]
    public void Auditor_may_only_query_and_get_the_audit_table_and_its_indexes_and_is_denied_everything_else()
    {
        var statements = RoleStatements.Of(synth, synth.Main.Audit.AuditorRole);
        var auditTable = synth.LogicalId(synth.Main.Data.AuditTable);
        var allows = statements.Where(s => (string)s["Effect"]! == "Allow").ToList();
        Assert.All(allows.SelectMany(RoleStatements.Actions), a => Assert.Contains(a, new[] { "dynamodb:Query", "dynamodb:GetItem", "ssm:GetParameter", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret" }));
        var reads = allows.Single(s => RoleStatements.Actions(s).Order().SequenceEqual(["dynamodb:GetItem", "dynamodb:Query"]));
        Assert.Contains(auditTable, reads["Resource"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("/index/*", reads["Resource"]!.ToJsonString(), StringComparison.Ordinal);

        var denyOthers = statements.Single(s => (string)s["Effect"]! == "Deny" && s["NotAction"] is not null);
        Assert.Equal("*", (string)denyOthers["Resource"]!);
        Assert.Contains("dynamodb:Query", denyOthers["NotAction"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("dynamodb:PutItem", denyOthers["NotAction"]!.ToJsonString(), StringComparison.Ordinal);
        var denyOtherTables = statements.Single(s => (string)s["Effect"]! == "Deny" && s["NotResource"] is not null);
        Assert.Contains(auditTable, denyOtherTables["NotResource"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Isolation_violations_in_either_function_log_become_one_alarmed_metric()
    {
        foreach (var app in new[] { synth.Main.Api.App, synth.Main.Processor.App })
        {
            synth.MainTemplate.HasResourceProperties("AWS::Logs::MetricFilter", new Dictionary<string, object>
            {
                ["LogGroupName"] = new Dictionary<string, object> { ["Ref"] = synth.LogicalId(app.LogGroup) },
                ["FilterPattern"] = Observability.IsolationViolationPattern,
                ["MetricTransformations"] = new object[]
                {
                    Match.ObjectLike(new Dictionary<string, object> { ["MetricNamespace"] = "Enclave", ["MetricName"] = "IsolationViolations", ["MetricValue"] = "1" }),
                },
            });
        }

        Assert.Contains(Alarms(), a => a["Metrics"]?.ToJsonString().Contains("IsolationViolations", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void Alarms_cover_5xx_rate_throttles_processor_failures_and_dead_letters_and_notify_one_topic()
    {
        var alarms = Alarms();
        Assert.Equal(6, alarms.Count);
        var topic = synth.LogicalId(synth.Main.Observability.Alarms);
        Assert.All(alarms, a => Assert.Contains(topic, a["AlarmActions"]!.ToJsonString(), StringComparison.Ordinal));
        var text = string.Join('\n', alarms.Select(a => a.ToJsonString()));
        foreach (var metric in new[] { "5xx", "Throttles", "Errors", "ApproximateNumberOfMessagesVisible", "IsolationViolations" })
        {
            Assert.Contains(metric, text, StringComparison.Ordinal);
        }

        synth.MainTemplate.ResourceCountIs("AWS::CloudWatch::Dashboard", 1);
    }

    private List<JsonNode> Alarms() => [.. synth.MainResources.Select(r => r.Value!)
        .Where(r => (string)r["Type"]! == "AWS::CloudWatch::Alarm").Select(r => r["Properties"]!)];
}
