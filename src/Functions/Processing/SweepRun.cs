using Enclave.Core.Accounts;
using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Requests;
using Enclave.Core.Security;
using Enclave.Core.Uploads;
using Enclave.Functions.Hosting;
using Enclave.Functions.Logging;
using Microsoft.Extensions.Options;

namespace Enclave.Functions.Processing;

/// <summary>
/// One sweep: the due entries (ids only, read with the processor's own credentials), then per owner one DI scope
/// bound to credentials minted for that owner, like a stream batch. A failing owner is logged and left for the next
/// sweep; the others go on.
/// </summary>
internal static partial class SweepRun
{
    /// <summary>Per index shard and sweep: bounds one invocation's work; what is left waits for the next.</summary>
    public const int EntriesPerShard = 100;

    /// <summary>Incomplete multipart uploads looked at per sweep; the rest wait for the next.</summary>
    public const int MultipartPerSweep = 1000;

    public static async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var due = await services.GetRequiredService<ISweepList>().DueAsync(EntriesPerShard, cancellationToken);
        foreach (var owned in due.GroupBy(e => e.OwnerId, StringComparer.Ordinal))
        {
            await AsOwnerAsync(services, owned.Key, async sweeper =>
            {
                foreach (var entry in owned)
                {
                    await sweeper.SweepAsync(entry, cancellationToken);
                }
            }, cancellationToken);
        }

        var grace = TimeSpan.FromSeconds(services.GetRequiredService<IOptions<LimitsOptions>>().Value.MultipartOrphanGraceSeconds);
        var before = services.GetRequiredService<TimeProvider>().GetUtcNow() - grace;
        var open = await services.GetRequiredService<IMultipartUploadList>().OpenAsync(before, MultipartPerSweep, cancellationToken);
        foreach (var owned in open.GroupBy(u => u.OwnerId, StringComparer.Ordinal))
        {
            await AsOwnerAsync(services, owned.Key, async sweeper =>
            {
                foreach (var upload in owned)
                {
                    await sweeper.SweepMultipartAsync(upload, cancellationToken);
                }
            }, cancellationToken);
        }
    }

    private static async Task AsOwnerAsync(IServiceProvider services, string ownerId, Func<UploadSweeper, Task> work, CancellationToken cancellationToken)
    {
        var logger = services.GetRequiredService<ILogger<UploadSweeper>>();
        await using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<RequestContext>();
        context.Begin(EntityId.New().Value, "internal");
        context.ActAsService("processor");
        var ids = LogScopes.Ids(context.RequestId);
        ids[LogScopes.UserId] = ownerId;
        using var logScope = logger.BeginScope(ids);
        try
        {
            var credentials = await scope.ServiceProvider.GetRequiredService<ProcessorCredentials>().GetAsync(ownerId, context.UserId!, cancellationToken);
            scope.ServiceProvider.GetRequiredService<UserDataClients>().Bind(credentials);
            await work(scope.ServiceProvider.GetRequiredService<UploadSweeper>());
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, ex);
            IsolationViolation.LogIfAccessDenied(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweeping an owner's uploads failed; the next sweep tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
