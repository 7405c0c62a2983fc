using System.Text.Json.Nodes;

using Xunit.Abstractions;

namespace Enclave.Infra.Tests;

/// <summary>cdk-nag's AwsSolutions pack over both synthesized templates; acknowledgements live in infra/node/nag-acknowledgements.json.</summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class NagTests(SynthesizedApp synth, ITestOutputHelper output)
{
    private static string AcknowledgementsFile => Path.Combine(NodeTool.NodeDir, "nag-acknowledgements.json");

    [Fact]
    public void AwsSolutions_reports_no_unacknowledged_finding()
    {
        var (exitCode, stdout, stderr) = NodeTool.Run("nag.mjs", synth.AssemblyDir, AcknowledgementsFile);
        var report = JsonNode.Parse(stdout)!;
        var findings = report["findings"]!.AsArray();
        output.WriteLine($"cdk-nag AwsSolutions: {findings.Count} unacknowledged findings, {report["acknowledged"]} acknowledgements, templates {report["checked"]!.ToJsonString()}");
        foreach (var finding in findings)
        {
            output.WriteLine(finding!.ToJsonString());
        }

        Assert.True(findings.Count == 0 && exitCode == 0, $"{findings.ToJsonString()}\n{stderr}");
        Assert.Equal(2, report["checked"]!.AsArray().Count);
    }

    [Fact]
    public void Every_acknowledgement_names_an_existing_resource_and_gives_a_reason()
    {
        var acknowledgements = JsonNode.Parse(File.ReadAllText(AcknowledgementsFile))!.AsArray();
        Assert.NotEmpty(acknowledgements);
        foreach (var ack in acknowledgements)
        {
            var logicalId = (string)ack!["logicalId"]!;
            Assert.True(synth.MainResources.ContainsKey(logicalId), $"stale acknowledgement: {logicalId} is not in the template");
            Assert.True(((string)ack["reason"]!).Length >= 60, $"{ack["id"]} on {logicalId} needs a written reason");
            Assert.StartsWith("AwsSolutions::AwsSolutions-", (string)ack["id"]!);
        }
    }

    [Fact]
    public void An_unacknowledged_finding_fails_the_check()
    {
        // The check can fail: without its acknowledgements the same template reports findings.
        var empty = Path.Combine(synth.Root, "no-acknowledgements.json");
        File.WriteAllText(empty, "[]");
        var (exitCode, stdout, _) = NodeTool.Run("nag.mjs", synth.AssemblyDir, empty);
        Assert.Equal(1, exitCode);
        Assert.NotEmpty(JsonNode.Parse(stdout)!["findings"]!.AsArray());
    }
}
