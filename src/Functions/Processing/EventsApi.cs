using System.Text.Json;
using Enclave.Core.Accounts;
using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Requests;
using Enclave.Core.Security;
using Enclave.Core.Uploads;
using Enclave.Functions.Hosting;
using Enclave.Functions.Logging;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Enclave.Functions.Processing;

/// <summary>
/// The processor function's only route: the Lambda Web Adapter posts non-HTTP events (DynamoDB Streams
/// batches, and the sweep schedule's event) to its pass-through path, /events. Each job runs in its own DI and logging scope, a few at once,
/// so one user's upload never shares request state with another's.
/// </summary>
internal static partial class EventsApi
{
    public const string Path = "/events";

    /// <summary>
    /// Lambda's synchronous invocation payload limit. A stream batch (up to 100 records with their images)
    /// is far larger than the API's 64 KiB body limit; a batch the endpoint refused would be retried and
    /// then dropped, leaving its uploads unprocessed.
    /// </summary>
    public const long MaxBatchBytes = 6 * 1024 * 1024;

    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(Path, HandleAsync).AllowAnonymous().ExcludeFromDescription();
        return routes;
    }

    private static async Task<JsonHttpResult<BatchResponse>> HandleAsync(
        HttpRequest request, IServiceScopeFactory scopes, AuditDigestJob digests, IOptions<LimitsOptions> limits, ILogger<DynamoStreamEvent> logger,
        CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = MaxBatchBytes;
        }

        var batch = await JsonSerializer.DeserializeAsync(request.Body, EventJsonContext.Default.DynamoStreamEvent, cancellationToken);
        switch (batch?.Job)
        {
            case AuditDigestJob.Name:
                await digests.RunAsync(cancellationToken);
                return TypedResults.Json(new BatchResponse([]), EventJsonContext.Default.BatchResponse);
            case DynamoStreamEvent.SweepJob:
                await SweepRun.RunAsync(request.HttpContext.RequestServices, cancellationToken);
                return TypedResults.Json(new BatchResponse([]), EventJsonContext.Default.BatchResponse);
        }

        var failures = await StreamBatch.RunAsync(
            batch?.Records ?? [], limits.Value.ProcessingJobsAtOnce, (job, ct) => RunAsync(job, scopes, logger, ct), cancellationToken);
        return TypedResults.Json(new BatchResponse([.. failures]), EventJsonContext.Default.BatchResponse);
    }

    /// <summary>Runs one job in its own DI and logging scope; false when a dependency failed and the event must come again.</summary>
    private static async Task<bool> RunAsync(UploadJob job, IServiceScopeFactory scopes, ILogger logger, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<RequestContext>();
        context.Begin(EntityId.New().Value, "internal");
        context.ActAsService("processor");
        var ids = LogScopes.Ids(context.RequestId);
        ids[LogScopes.UserId] = job.Owner;
        ids[LogScopes.SessionId] = job.Session;
        ids[LogScopes.UploadId] = job.Upload;
        using var logScope = logger.BeginScope(ids);
        try
        {
            // Outside any user request, the job's storage calls still run as the upload's owner.
            var credentials = await scope.ServiceProvider.GetRequiredService<ProcessorCredentials>().GetAsync(job.Owner, context.UserId!, cancellationToken);
            scope.ServiceProvider.GetRequiredService<UserDataClients>().Bind(credentials);
            await scope.ServiceProvider.GetRequiredService<UploadProcessor>().ProcessAsync(job.Owner, job.Session, job.Upload, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, ex);
            IsolationViolation.LogIfAccessDenied(logger, ex);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing failed; the event will be delivered again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
