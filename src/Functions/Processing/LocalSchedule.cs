using System.Text;

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Enclave.Functions.Processing;

/// <summary>A scheduled job as EventBridge Scheduler would send it: the job's name and how often.</summary>
internal sealed record ScheduledJob(string Name, TimeSpan Period, bool RunAtStart);

/// <summary>
/// Local mode only: stands in for one EventBridge Scheduler schedule. Every <see cref="ScheduledJob.Period"/>
/// (and once at start, if asked) it posts the schedule's payload to this process's own /events path, the path
/// the Web Adapter uses in AWS, so the local stack runs scheduled jobs the same way.
/// </summary>
internal sealed partial class LocalSchedule(ScheduledJob job, IServer server, IHostApplicationLifetime lifetime, ILogger<LocalSchedule> logger)
    : BackgroundService
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
        using var timer = new PeriodicTimer(job.Period);
        if (job.RunAtStart)
        {
            await RunAsync(http, events, stoppingToken);
        }

        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RunAsync(http, events, stoppingToken);
        }
    }

    private async Task RunAsync(HttpClient http, Uri events, CancellationToken stoppingToken)
    {
        try
        {
            using var content = new StringContent("{\"job\":\"" + job.Name + "\"}", Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(events, content, stoppingToken);
            response.EnsureSuccessStatusCode();
        }
        catch (HttpRequestException ex)
        {
            // The next tick tries again, as the scheduler's retry would.
            LogRunFailed(logger, job.Name, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled {Job} run failed: {Error}")]
    private static partial void LogRunFailed(ILogger logger, string job, string error);
}
