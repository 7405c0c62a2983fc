using System.Text.Json;
using Enclave.Core.Accounts;
using Enclave.Core.Audit;
using Enclave.Core.Ids;
using Enclave.Core.Requests;
using Enclave.Core.Security;
using Enclave.Core.Uploads;
using Enclave.Functions.Hosting;
using Enclave.Functions.Logging;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Enclave.Functions.Processing;

/// <summary>
/// The processor function's only route: the Lambda Web Adapter posts non-HTTP events (DynamoDB Streams
/// batches, and the sweep schedule's event) to its pass-through path, /events. Each record runs in its own DI and logging scope,
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
        HttpRequest request, IServiceScopeFactory scopes, AuditDigestJob digests, ILogger<DynamoStreamEvent> logger,
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

        var failures = new List<BatchItemFailure>();
        foreach (var record in batch?.Records ?? [])
        {
            if (!TryReadJob(record, out var owner, out var session, out var upload))
            {
                continue;
            }

            var sequence = record.Dynamodb?.SequenceNumber ?? "";
            await using var scope = scopes.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<RequestContext>();
            context.Begin(EntityId.New().Value, "internal");
            context.ActAsService("processor");
            var ids = LogScopes.Ids(context.RequestId);
            ids[LogScopes.UserId] = owner;
            ids[LogScopes.SessionId] = session;
            ids[LogScopes.UploadId] = upload;
            using var logScope = logger.BeginScope(ids);
            try
            {
                // Outside any user request, the job's storage calls still run as the upload's owner.
                var credentials = await scope.ServiceProvider.GetRequiredService<ProcessorCredentials>().GetAsync(owner, context.UserId!, cancellationToken);
                scope.ServiceProvider.GetRequiredService<UserDataClients>().Bind(credentials);
                await scope.ServiceProvider.GetRequiredService<UploadProcessor>().ProcessAsync(owner, session, upload, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogFailed(logger, ex);
                IsolationViolation.LogIfAccessDenied(logger, ex);
                failures.Add(new BatchItemFailure(sequence));

                // Later records of the batch come again with the retry; keep their order.
                break;
            }
        }

        return TypedResults.Json(new BatchResponse(failures), EventJsonContext.Default.BatchResponse);
    }

    /// <summary>Only new images of upload items that just became "uploaded" are jobs.</summary>
    private static bool TryReadJob(DynamoStreamRecord record, out string owner, out string session, out string upload)
    {
        owner = session = upload = "";
        var image = record.Dynamodb?.NewImage;
        if (record.EventName is not ("INSERT" or "MODIFY") || image is null ||
            !image.TryGetValue("status", out var status) || status.S != UploadStatus.Uploaded ||
            image.GetValueOrDefault("pk")?.S is not { } pk || image.GetValueOrDefault("sk")?.S is not { } sk)
        {
            return false;
        }

        var keyParts = sk.Split('#');
        if (!pk.StartsWith("USER#", StringComparison.Ordinal) || keyParts is not ["UPLOAD", var s, var u] ||
            !EntityId.TryParse(pk[5..], out var ownerId) || !EntityId.TryParse(s, out var sessionId) || !EntityId.TryParse(u, out var uploadId))
        {
            return false;
        }

        (owner, session, upload) = (ownerId.Value, sessionId.Value, uploadId.Value);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing failed; the event will be delivered again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
