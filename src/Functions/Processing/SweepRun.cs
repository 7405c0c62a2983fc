using Enclave.Core.Ids;
using Enclave.Core.Requests;
using Enclave.Core.Security;
using Enclave.Core.Uploads;
using Enclave.Functions.Hosting;
using Enclave.Functions.Logging;

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

    public static async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var due = await services.GetRequiredService<ISweepList>().DueAsync(EntriesPerShard, cancellationToken);
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var issuer = services.GetRequiredService<IScopedCredentialIssuer>();
        var logger = services.GetRequiredService<ILogger<UploadSweeper>>();
        foreach (var owned in due.GroupBy(e => e.OwnerId, StringComparer.Ordinal))
        {
            await using var scope = scopes.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<RequestContext>();
            context.Begin(EntityId.New().Value, "internal");
            context.ActAsService("processor");
            var ids = LogScopes.Ids(context.RequestId);
            ids[LogScopes.UserId] = owned.Key;
            using var logScope = logger.BeginScope(ids);
            try
            {
                scope.ServiceProvider.GetRequiredService<UserDataClients>().Bind(await issuer.IssueAsync(owned.Key, [owned.Key, context.UserId!], cancellationToken));
                var sweeper = scope.ServiceProvider.GetRequiredService<UploadSweeper>();
                foreach (var entry in owned)
                {
                    await sweeper.SweepAsync(entry, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogFailed(logger, ex);
                IsolationViolation.LogIfAccessDenied(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweeping an owner's uploads failed; the next sweep tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
