using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SimpleSystemsManagement;

using Enclave.Core.Configuration;

using Microsoft.Extensions.Options;

namespace Enclave.Functions.Hosting;

/// <summary>
/// One client per service for the process: they hold no user state, only connection pools. Endpoint,
/// addressing and checksum settings come from configuration so the same code runs against AWS and
/// against the local servers.
/// </summary>
internal static class AwsClients
{
    public static IServiceCollection AddAwsClients(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<CountingAwsHttpClientFactory>();
        services.AddSingleton<IAmazonDynamoDB>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var config = new AmazonDynamoDBConfig();
            Apply(config, options, options.DynamoDbServiceUrl, sp);
            return new AmazonDynamoDBClient(config);
        });
        services.AddSingleton<IAmazonS3>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var config = new AmazonS3Config { ForcePathStyle = options.S3ForcePathStyle };
            Apply(config, options, options.S3ServiceUrl, sp);
            if (options.S3ChecksumWhenRequired)
            {
                config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
                config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
            }

            return new AmazonS3Client(config);
        });
        services.AddSingleton<IAmazonSimpleSystemsManagement>(sp =>
        {
            var config = new AmazonSimpleSystemsManagementConfig();
            Apply(config, sp.GetRequiredService<IOptions<StorageOptions>>().Value, null, sp);
            return new AmazonSimpleSystemsManagementClient(config);
        });
        return services;
    }

    private static void Apply(ClientConfig config, StorageOptions options, string? serviceUrl, IServiceProvider services)
    {
        config.HttpClientFactory = services.GetRequiredService<CountingAwsHttpClientFactory>();
        // Bounded waits: a stalled dependency must become a 503, not a hung request.
        config.Timeout = TimeSpan.FromSeconds(options.AwsTimeoutSeconds);
        config.MaxErrorRetry = 1;
        if (serviceUrl is not null)
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = Environment.GetEnvironmentVariable("AWS_REGION") ?? RegionEndpoint.USEast1.SystemName;
        }
    }
}
