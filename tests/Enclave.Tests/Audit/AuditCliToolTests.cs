using System.Diagnostics;

using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Audit;

/// <summary>
/// enclave-audit as an operator gets it: packed, installed with <c>dotnet tool install</c> from a local folder
/// (a nuget.config that clears every other source, so it works offline) and run as its own command.
/// </summary>
public sealed class AuditCliToolTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("enclave-audit-tool-").FullName;

    [Fact]
    public async Task The_packed_tool_installs_from_a_local_folder_and_prints_help_and_its_version()
    {
        var packages = Path.Combine(work, "packages");
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var project = Path.Combine(Repo.Root, "src", "AuditCli", "Enclave.AuditCli.csproj");

        // The test project already built the CLI in this configuration, so packing needs no build.
        var (packExit, packOutput) = await RunAsync("dotnet", "pack", project, "-c", configuration, "--no-build", "--nologo", "-o", packages);
        Assert.True(packExit == 0, packOutput);
        var package = Assert.Single(Directory.GetFiles(packages, "Enclave.AuditCli.*.nupkg"));
        var version = Path.GetFileNameWithoutExtension(package)["Enclave.AuditCli.".Length..];

        var config = Path.Combine(work, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{packages}" />
              </packageSources>
            </configuration>
            """);
        var tools = Path.Combine(work, "tools");
        var (installExit, installOutput) = await RunAsync("dotnet", "tool", "install", "Enclave.AuditCli", "--version", version, "--tool-path", tools,
            "--configfile", config);
        Assert.True(installExit == 0, installOutput);

        var tool = Path.Combine(tools, "enclave-audit");
        var (helpExit, help) = await RunAsync(tool, "--help");
        Assert.Equal(0, helpExit);
        Assert.Contains("enclave-audit [command] [options]", help, StringComparison.Ordinal);
        foreach (var command in new[] { "query", "verify", "digest", "grant", "revoke" })
        {
            Assert.Contains("  " + command + " ", help, StringComparison.Ordinal);
        }

        var (queryHelpExit, queryHelp) = await RunAsync(tool, "query", "--help");
        Assert.Equal(0, queryHelpExit);
        Assert.Contains("enclave-audit query [options]", queryHelp, StringComparison.Ordinal);
        Assert.Contains("--format <table|csv|jsonl>", queryHelp, StringComparison.Ordinal);

        var (versionExit, printed) = await RunAsync(tool, "--version");
        Assert.Equal(0, versionExit);
        Assert.StartsWith(version, printed.Trim(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(work, recursive: true);

    private async Task<(int Exit, string Output)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = work,
        };

        // Keep the tool's first-run notices and telemetry prompts out of the output it is judged on.
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 3 minutes.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
