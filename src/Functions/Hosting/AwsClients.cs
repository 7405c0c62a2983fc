using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SecurityToken;
using Amazon.SimpleSystemsManagement;

using Enclave.Core.Configuration;
using Enclave.Core.Security;

using Microsoft.Extensions.Options;

namespace Enclave.Functions.Hosting;

/// <summary>
/// The function's own clients, one per service for the process: they hold no user state, only connection
/// pools, and the function's role reaches no user item or object. User data goes through
/// <see cref="UserDataClients"/>, built per request on the user's scoped credentials with the same settings.
/// Endpoint, addressing and checksum settings come from configuration so the same code runs against AWS
/// and against the local servers.
/// </summary>
internal static class AwsClients
{
    public static IServiceCollection AddAwsClients(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<CountingAwsHttpClientFactory>();
        services.AddSingleton<AwsClientSettings>();
        services.AddSingleton<IAmazonDynamoDB>(sp => new AmazonDynamoDBClient(sp.GetRequiredService<AwsClientSettings>().DynamoDb()));
        services.AddSingleton<IAmazonS3>(sp => new AmazonS3Client(sp.GetRequiredService<AwsClientSettings>().S3()));
        services.AddSingleton<IAmazonSimpleSystemsManagement>(sp =>
            new AmazonSimpleSystemsManagementClient(sp.GetRequiredService<AwsClientSettings>().Ssm()));
        services.AddSingleton<IAmazonSecurityTokenService>(sp =>
            new AmazonSecurityTokenServiceClient(sp.GetRequiredService<AwsClientSettings>().Sts()));
        services.AddSingleton<IScopedCredentialIssuer, StsScopedCredentialIssuer>();
        services.AddScoped<UserDataClients>();
        services.AddScoped<IUserDataClients>(sp => sp.GetRequiredService<UserDataClients>());
        return services;
    }
}

/// <summary>Client configurations from options: a fresh config per client, all sharing one counting HTTP handler.</summary>
internal sealed class AwsClientSettings(
    IOptions<StorageOptions> storage,
    IOptions<UserDataOptions> userData,
    CountingAwsHttpClientFactory httpClients)
{
    public AmazonDynamoDBConfig DynamoDb() => Apply(new AmazonDynamoDBConfig(), storage.Value.DynamoDbServiceUrl);

    public AmazonS3Config S3()
    {
        var options = storage.Value;
        var config = Apply(new AmazonS3Config { ForcePathStyle = options.S3ForcePathStyle }, options.S3ServiceUrl);
        if (options.S3ChecksumWhenRequired)
        {
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        return config;
    }

    public AmazonSimpleSystemsManagementConfig Ssm() => Apply(new AmazonSimpleSystemsManagementConfig(), null);

    public AmazonSecurityTokenServiceConfig Sts() => Apply(new AmazonSecurityTokenServiceConfig(), userData.Value.StsServiceUrl);

    private T Apply<T>(T config, string? serviceUrl)
        where T : ClientConfig
    {
        config.HttpClientFactory = httpClients;
        // Bounded waits: a stalled dependency must become a 503, not a hung request.
        config.Timeout = TimeSpan.FromSeconds(storage.Value.AwsTimeoutSeconds);
        config.MaxErrorRetry = 1;
        if (serviceUrl is not null)
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = Environment.GetEnvironmentVariable("AWS_REGION") ?? RegionEndpoint.USEast1.SystemName;
        }

        return config;
    }
}
