using System.Diagnostics;
using System.Text.Json.Nodes;

using Amazon.CDK;
using Amazon.CDK.Assertions;

using Enclave.Cdk;

namespace Enclave.Infra.Tests;

/// <summary>
/// Synthesizes the CDK app once for every test class: the real constructs, with stub asset folders
/// (a <c>bootstrap</c> file and an index.html) so the tests need neither the AOT publish nor the web build.
/// </summary>
public sealed class SynthesizedApp : IDisposable
{
    public const string MailSender = "no-reply@enclave.test";

    public string Root { get; } = Directory.CreateTempSubdirectory("enclave-cdk-").FullName;

    public string AssemblyDir { get; }

    public EnclaveStack Main { get; }

    public FirewallStack Firewall { get; }

    public Template MainTemplate { get; }

    public Template FirewallTemplate { get; }

    public JsonObject MainJson { get; }

    public TimeSpan SynthTime { get; }

    public SynthesizedApp()
    {
        var clock = Stopwatch.StartNew();
        var appAssets = Directory.CreateDirectory(Path.Combine(Root, "app")).FullName;
        File.WriteAllText(Path.Combine(appAssets, "bootstrap"), "stub: the tests never run the function\n");
        var webAssets = Directory.CreateDirectory(Path.Combine(Root, "web")).FullName;
        File.WriteAllText(Path.Combine(webAssets, "index.html"), "<!doctype html><title>stub</title>\n");
        AssemblyDir = Path.Combine(Root, "cdk.out");

        var app = new App(new AppProps
        {
            Outdir = AssemblyDir,
            AnalyticsReporting = false,
            Context = new Dictionary<string, object> { ["appAssetPath"] = appAssets, ["webAssetPath"] = webAssets, ["mailSender"] = MailSender },
        });
        (Firewall, Main) = EnclaveApp.Build(app);
        app.Synth();
        MainTemplate = Template.FromStack(Main);
        FirewallTemplate = Template.FromStack(Firewall);
        MainJson = JsonNode.Parse(File.ReadAllText(Path.Combine(AssemblyDir, $"{EnclaveApp.MainStackName}.template.json")))!.AsObject();
        SynthTime = clock.Elapsed;
    }

    public JsonObject MainResources => MainJson["Resources"]!.AsObject();

    public string LogicalId(Constructs.IConstruct construct) => Main.GetLogicalId((CfnElement)construct.Node.DefaultChild!);

    public JsonObject Resource(Constructs.IConstruct construct) => MainResources[LogicalId(construct)]!.AsObject();

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

[CollectionDefinition(Name)]
public sealed class SynthesizedAppCollection : ICollectionFixture<SynthesizedApp>
{
    public const string Name = "synthesized app";
}

/// <summary>The statements of a role as synthesized: its inline policies and every policy attached to it.</summary>
public static class RoleStatements
{
    public static List<JsonNode> Of(SynthesizedApp synth, Amazon.CDK.AWS.IAM.IRole role)
    {
        var roleId = synth.LogicalId(role);
        var inline = synth.MainResources[roleId]!["Properties"]!["Policies"]?.AsArray().Select(p => p!["PolicyDocument"]!) ?? [];
        var attached = synth.MainResources.Select(r => r.Value!)
            .Where(r => (string)r["Type"]! == "AWS::IAM::Policy" && r["Properties"]!["Roles"]!.AsArray().Any(x => (string?)x!["Ref"] == roleId))
            .Select(r => r["Properties"]!["PolicyDocument"]!);
        return [.. inline.Concat(attached).SelectMany(d => d["Statement"]!.AsArray().Select(s => s!))];
    }

    public static IEnumerable<string> Actions(JsonNode statement) => statement["Action"] switch
    {
        JsonArray many => many.Select(a => (string)a!),
        JsonNode one => [(string)one!],
        null => [],
    };
}
