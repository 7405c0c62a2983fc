using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Enclave.Tests.Infrastructure;

/// <summary>Names of one test's own tables and bucket, so test classes never share data.</summary>
public sealed record TestStorage(string Prefix)
{
    public static TestStorage Create() => new("t" + Guid.NewGuid().ToString("N")[..10]);

    public string IdentityTable => Prefix + "-identity";

    public string DataTable => Prefix + "-data";

    public string AuditTable => Prefix + "-audit";

    public string Bucket => Prefix + "-uploads";
}

/// <summary>
/// The real API binary in its own OS process, on a free port, in Local mode against the local stack;
/// every stdout line is kept for log assertions.
/// </summary>
public sealed partial class ApiProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> lines = new();

    private ApiProcess(Process process) => this.process = process;

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyCollection<string> Lines => lines;

    public int Pid => process.Id;

    /// <summary>A setting that fixes the listening address instead of letting the OS pick a free port.</summary>
    public const string UrlsSetting = "Urls";

    /// <summary>Not passed to the API: the folder of the stack's mail sink, so clients of this process can read their mail.</summary>
    public const string MailboxSetting = "Tests:Mailbox";

    /// <summary>Where links in mail point; not the bucket's CORS origin (Enclave:Web:SiteOrigin), which some tests set themselves.</summary>
    public const string MailSiteOrigin = "http://127.0.0.1:9";

    public Mailbox Mailbox { get; private set; } = null!;

    /// <summary>Few shards keep by-day reads cheap on DynamoDB Local; more than one so every test crosses shards.</summary>
    public static readonly Core.Audit.AccessRecordLayout AuditLayout = new(4);

    public static Dictionary<string, string> Settings(LocalStack stack, TestStorage storage) => new(StringComparer.Ordinal)
    {
        ["AWS_ACCESS_KEY_ID"] = stack.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = stack.SecretKey,
        ["AWS_REGION"] = "us-east-1",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["Enclave__Mode"] = "Local",
        ["Enclave__Secrets__LocalFile"] = Path.Combine(stack.StateDir, storage.Prefix + "-secrets.json"),
        ["Enclave__Storage__IdentityTable"] = storage.IdentityTable,
        ["Enclave__Storage__DataTable"] = storage.DataTable,
        ["Enclave__Storage__AuditTable"] = storage.AuditTable,
        ["Enclave__Storage__AuditShards"] = AuditLayout.Shards.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Enclave__Storage__UploadBucket"] = storage.Bucket,
        ["Enclave__Storage__DynamoDbServiceUrl"] = stack.DynamoDbUrl,
        ["Enclave__Storage__S3ServiceUrl"] = stack.S3Url,
        ["Enclave__Storage__S3ForcePathStyle"] = "true",
        ["Enclave__Storage__S3ChecksumWhenRequired"] = "true",
        ["Enclave__Storage__S3PresignOverHttp"] = "true",
        ["Enclave__UserData__RoleArn"] = stack.UserDataRoleArn,
        ["Enclave__UserData__StsServiceUrl"] = stack.S3Url,
        ["Enclave__UserData__PolicyScope"] = "S3Only",
        ["Enclave__UserData__UploadFormSigner"] = "HostCredentials",
        ["Enclave__Mail__SmtpHost"] = "127.0.0.1",
        ["Enclave__Mail__SmtpPort"] = stack.MailPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Enclave__Mail__RequireStartTls"] = "false",
        ["Enclave__Mail__Sender"] = "enclave@example.com",
        ["Enclave__Mail__SiteOrigin"] = MailSiteOrigin,
        [MailboxSetting] = stack.Mailbox.Directory,

        // Every test signs in from 127.0.0.1; the per-address limit has its own test.
        ["Enclave__Limits__LoginAttemptsPerClientIp"] = "10000",
        ["Enclave__Limits__RegistrationsPerClientIp"] = "10000",
    };

    public static async Task<ApiProcess> StartAsync(IDictionary<string, string> settings, TimeSpan? timeout = null)
    {
        var info = StartInfo(settings);

        var api = new ApiProcess(Process.Start(info)!) { Mailbox = new Mailbox(settings[MailboxSetting]) };
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        api.process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("The API exited before listening:\n" + string.Join('\n', api.lines)));
                return;
            }

            api.lines.Enqueue(e.Data);
            if (ListeningOn().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        api.process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                api.lines.Enqueue("stderr: " + e.Data);
            }
        };
        api.process.BeginOutputReadLine();
        api.process.BeginErrorReadLine();
        api.BaseAddress = await listening.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        return api;
    }

    /// <summary>Starts the binary and waits for it to exit, for start-up refusal tests.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IDictionary<string, string> settings)
    {
        var info = StartInfo(settings);

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The API kept running although start-up should have been refused.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// The API binary under test: the Native AOT build when ./test.sh names it in ENCLAVE_API_BINARY
    /// (the artefact Lambda runs), otherwise the JIT build next to the tests.
    /// </summary>
    private static ProcessStartInfo StartInfo(IDictionary<string, string> settings)
    {
        var binary = Environment.GetEnvironmentVariable("ENCLAVE_API_BINARY");
        var urls = settings.TryGetValue(UrlsSetting, out var fixedUrls) ? fixedUrls : "http://127.0.0.1:0";
        var info = string.IsNullOrEmpty(binary)
            ? new ProcessStartInfo("dotnet", [Repo.FunctionsDll, "--urls", urls])
            : new ProcessStartInfo(binary, ["--urls", urls]);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        foreach (var (key, value) in settings.Where(s => s.Key != MailboxSetting))
        {
            info.Environment[key] = value;
        }

        return info;
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public ApiClient CreateClient() => new(CreateHttpClient()) { Mailbox = Mailbox };

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
