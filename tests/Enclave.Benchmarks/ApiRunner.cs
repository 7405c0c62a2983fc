using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Enclave.Benchmarks;

/// <summary>Starts an API binary (AOT executable or JIT .dll) on a chosen free port and keeps its stdout lines.</summary>
internal sealed class ApiRunner : IAsyncDisposable
{
    private readonly Process process;

    private ApiRunner(Process process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    public int ProcessId => process.Id;

    public ConcurrentQueue<string> Lines { get; } = new();

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public static ApiRunner Start(string binary, IDictionary<string, string>? settings)
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var info = binary.EndsWith(".dll", StringComparison.Ordinal)
            ? new ProcessStartInfo("dotnet", [binary, "--urls", url])
            : new ProcessStartInfo(binary, ["--urls", url]);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.Environment["ASPNETCORE_URLS"] = url;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var runner = new ApiRunner(Process.Start(info)!, port);
        runner.process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                runner.Lines.Enqueue(e.Data);
            }
        };
        runner.process.ErrorDataReceived += (_, _) => { };
        runner.process.BeginOutputReadLine();
        runner.process.BeginErrorReadLine();
        return runner;
    }

    /// <summary>Waits up to 10 s for /api/health to answer 200.</summary>
    public async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress };
        for (var i = 0; i < 100; i++)
        {
            try
            {
                if ((await http.GetAsync("/api/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The API did not become healthy.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
