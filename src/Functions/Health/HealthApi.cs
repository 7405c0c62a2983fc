using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;

using Enclave.Core.Configuration;
using Enclave.Core.Secrets;
using Enclave.Functions.Http;

using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Enclave.Functions.Health;

internal sealed record HealthResponse(string Status);

internal sealed record ReadinessResponse(string Status, IReadOnlyDictionary<string, string> Checks);

internal static partial class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        var health = routes.MapGroup("/api/health").AllowAnonymous().WithTags("Health");
        health.MapGet("", () => TypedResults.Ok(new HealthResponse("ok")));
        health.MapGet("/ready", ReadyAsync);
        return routes;
    }

    private static async Task<Results<Ok<ReadinessResponse>, ProblemResult>> ReadyAsync(
        IAmazonDynamoDB dynamo, IAmazonS3 s3, SigningKeys keys, IOptions<StorageOptions> storage, IOptions<EnclaveHostOptions> host,
        ILogger<ReadinessResponse> logger, CancellationToken cancellationToken)
    {
        var options = storage.Value;
        var checks = await Task.WhenAll(
            CheckAsync("dynamodb", () => dynamo.DescribeTableAsync(new DescribeTableRequest { TableName = options.DataTable }, cancellationToken), logger),
            CheckAsync("s3", () => s3.GetBucketLocationAsync(options.UploadBucket, cancellationToken), logger),
            CheckAsync("secrets", async () =>
            {
                if (host.Value.Role == EnclaveRole.Api)
                {
                    await keys.CookieKeyAsync(cancellationToken);
                }

                await keys.AuditKeyAsync(cancellationToken);
            }, logger));
        if (checks.Any(c => !c.Ok))
        {
            return new ProblemResult(StatusCodes.Status503ServiceUnavailable);
        }

        return TypedResults.Ok(new ReadinessResponse("ready", checks.ToDictionary(c => c.Name, _ => "ok", StringComparer.Ordinal)));
    }

    private static async Task<(string Name, bool Ok)> CheckAsync(string name, Func<Task> probe, ILogger logger)
    {
        try
        {
            await probe();
            return (name, true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogCheckFailed(logger, name, ex.GetType().Name);
            return (name, false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness check {Check} failed: {Error}")]
    private static partial void LogCheckFailed(ILogger logger, string check, string error);
}
