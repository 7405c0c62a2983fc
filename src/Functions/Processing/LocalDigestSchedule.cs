using System.Text;

using Enclave.Core.Audit;

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Enclave.Functions.Processing;

/// <summary>
/// Local mode only: stands in for the EventBridge Scheduler schedule. At start and then every
/// <see cref="AuditDigestJob.Period"/> it posts the schedule's payload to this process's own /events path,
/// the path the Web Adapter uses in AWS, so the local stack seals digest windows the same way.
/// </summary>
internal sealed partial class LocalDigestSchedule(IServer server, IHostApplicationLifetime lifetime, ILogger<LocalDigestSchedule> logger)
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
        using var timer = new PeriodicTimer(AuditDigestJob.Period);
        do
        {
            try
            {
                using var content = new StringContent("{\"job\":\"" + AuditDigestJob.Name + "\"}", Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(events, content, stoppingToken);
                response.EnsureSuccessStatusCode();
            }
            catch (HttpRequestException ex)
            {
                // The next tick tries again, as the scheduler's retry would.
                LogRunFailed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled digest run failed: {Error}")]
    private static partial void LogRunFailed(ILogger logger, string error);
}
