using System.Diagnostics;

namespace Enclave.Infra.Tests;

/// <summary>Runs a script of infra/node (installed by scripts/local/install.sh) and captures its output.</summary>
public static class NodeTool
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string NodeDir => Path.Combine(RepoRoot, "infra", "node");

    public static (int ExitCode, string Stdout, string Stderr) Run(string script, params string[] arguments)
    {
        Assert.True(Directory.Exists(Path.Combine(NodeDir, "node_modules")), "infra/node is not installed: run scripts/local/install.sh");
        var start = new ProcessStartInfo("node") { WorkingDirectory = NodeDir, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), $"{script} did not finish in 3 minutes");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Serverless.sln not found above the test assembly.");
    }
}
