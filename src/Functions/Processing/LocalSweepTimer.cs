using System.Text;
using Enclave.Core.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Enclave.Functions.Processing;

/// <summary>
/// Local mode only: stands in for the EventBridge schedule. Every <see cref="LimitsOptions.SweepPeriodSeconds"/> it
/// posts the schedule's event to this process's own /events path, the path the Web Adapter uses in AWS.
/// </summary>
internal sealed partial class LocalSweepTimer(
    IOptions<LimitsOptions> limits,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<LocalSweepTimer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        var events = new Uri(new Uri(server.Features.Get<IServerAddressesFeature>()!.Addresses.First()), EventsApi.Path);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(limits.Value.SweepPeriodSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                using var content = new StringContent($"{{\"job\":\"{DynamoStreamEvent.SweepJob}\"}}", Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(events, content, stoppingToken);
                response.EnsureSuccessStatusCode();
            }
            catch (HttpRequestException ex)
            {
                LogSweepFailed(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep failed: {Error}")]
    private static partial void LogSweepFailed(ILogger logger, string error);
}
