using System.Diagnostics;

namespace Enclave.Tests.Infrastructure;

/// <summary>
/// DynamoDB Local and Ceph RGW for the test run, shared by every test class (each uses its own
/// tables and bucket). ./test.sh starts one stack and exports its addresses; a bare `dotnet test`
/// starts its own through the same script and stops it when the test process exits.
/// </summary>
public sealed class LocalStack
{
    private static readonly Lazy<Task<LocalStack>> Shared = new(StartSharedAsync);

    private string? ownedStateDir;

    public static Task<LocalStack> GetAsync() => Shared.Value;

    private static async Task<LocalStack> StartSharedAsync()
    {
        var stack = new LocalStack();
        await stack.InitializeAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stack.DisposeAsync().GetAwaiter().GetResult();
        return stack;
    }

    public string DynamoDbUrl { get; private set; } = "";

    public string S3Url { get; private set; } = "";

    public string AccessKey { get; private set; } = "";

    public string SecretKey { get; private set; } = "";

    public string StateDir { get; private set; } = "";

    /// <summary>The SMTP sink's port and the folder it writes every message to.</summary>
    public int MailPort { get; private set; }

    public Mailbox Mailbox { get; private set; } = null!;

    /// <summary>The RGW role the API assumes for user data (created by stack.sh with the ceiling policy).</summary>
    public string UserDataRoleArn { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var envFile = Environment.GetEnvironmentVariable("ENCLAVE_STACK_ENV");
        if (string.IsNullOrEmpty(envFile))
        {
            await StartOwnedAsync(dynamoDbOnDisk: false);
            return;
        }

        Load(envFile);
    }

    /// <summary>
    /// A stack of this test's own, never the shared one, for tests that kill its servers. DynamoDB keeps its data on
    /// disk, so a killed and restarted DynamoDB comes back with its tables, as the real service would.
    /// </summary>
    public static async Task<LocalStack> StartPrivateAsync()
    {
        var stack = new LocalStack();
        await stack.StartOwnedAsync(dynamoDbOnDisk: true);
        return stack;
    }

    /// <summary>restart-dynamodb or restart-s3 (same port; data kept), for stacks started here.</summary>
    public Task RestartAsync(string service) =>
        RunScriptAsync("restart-" + service, ownedStateDir ?? throw new InvalidOperationException("Only a stack started by the tests may be restarted."));

    /// <summary>The recorded PID of one daemon (dynamodb, rgw, ...), read afresh because a restart changes it.</summary>
    public int Pid(string daemon) => int.Parse(ReadEnv(Path.Combine(StateDir, "stack.env"))[daemon.ToUpperInvariant() + "_PID"], System.Globalization.CultureInfo.InvariantCulture);

    private async Task StartOwnedAsync(bool dynamoDbOnDisk)
    {
        ownedStateDir = Path.Combine(Path.GetTempPath(), "enclave-tests-" + Guid.NewGuid().ToString("N")[..8]);
        await RunScriptAsync("start", ownedStateDir, dynamoDbOnDisk ? new() { ["DYNAMODB_ON_DISK"] = "1" } : null);
        Load(Path.Combine(ownedStateDir, "stack.env"));
    }

    private void Load(string envFile)
    {
        StateDir = Path.GetDirectoryName(envFile)!;
        var values = ReadEnv(envFile);
        DynamoDbUrl = values["DYNAMODB_URL"];
        S3Url = values["S3_URL"];
        AccessKey = values["S3_ACCESS_KEY"];
        SecretKey = values["S3_SECRET_KEY"];
        UserDataRoleArn = values["USER_DATA_ROLE_ARN"];
        MailPort = int.Parse(values["MAIL_PORT"], System.Globalization.CultureInfo.InvariantCulture);
        Mailbox = new Mailbox(values["MAIL_DIR"]);
    }

    private static Dictionary<string, string> ReadEnv(string envFile) => File.ReadAllLines(envFile)
        .Select(line => line.StartsWith("export ", StringComparison.Ordinal) ? line[7..] : line)
        .Where(line => line.Contains('=', StringComparison.Ordinal))
        .Select(line => line.Split('=', 2))
        .ToDictionary(parts => parts[0], parts => parts[1].Trim('"'), StringComparer.Ordinal);

    public async Task DisposeAsync()
    {
        if (ownedStateDir is not null)
        {
            await RunScriptAsync("stop", ownedStateDir);
        }
    }

    /// <summary>An RGW role with the given policy that the admin user may assume; returns its ARN.</summary>
    public async Task<string> CreateRoleAsync(string name, string policyJson) =>
        (await RunScriptAsync("create-role", StateDir, more: [name, policyJson])).Trim();

    private static async Task<string> RunScriptAsync(
        string command, string stateDir, Dictionary<string, string>? environment = null, params string[] more)
    {
        var info = new ProcessStartInfo(Path.Combine(Repo.Root, "scripts", "local", "stack.sh"), [command, stateDir, .. more])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"stack.sh {command} failed: {output}\n{error}");
        }

        return output;
    }
}
