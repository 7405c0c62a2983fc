using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.SecurityToken;

using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Secrets;
using Enclave.Core.Security;

using Microsoft.Extensions.Options;

namespace Enclave.Tests.Infrastructure;

/// <summary>One API process per test class, on its own tables, against the shared local stack.</summary>
public class ApiFixture : IAsyncLifetime
{
    public LocalStack Stack { get; private set; } = null!;

    public TestStorage Storage { get; } = TestStorage.Create();

    public ApiProcess Api { get; private set; } = null!;

    public IAmazonDynamoDB Dynamo { get; private set; } = null!;

    protected virtual void Configure(Dictionary<string, string> settings)
    {
    }

    public virtual async Task InitializeAsync()
    {
        Stack = await LocalStack.GetAsync();
        var settings = ApiProcess.Settings(Stack, Storage);
        Configure(settings);
        Api = await ApiProcess.StartAsync(settings);
        Dynamo = Stack.CreateDynamo();
    }

    public virtual async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        Dynamo.Dispose();
    }

    public ApiClient Client() => Api.CreateClient();

    public AccessRecordQueries Records(IAmazonDynamoDB? dynamo = null) => new(dynamo ?? Dynamo, Storage.AuditTable, ApiProcess.AuditLayout);

    /// <summary>The audit key the API generated for Local mode, read from its git-ignored file.</summary>
    public async Task<SigningKey> AuditKeyAsync()
    {
        var source = new LocalFileSecretSource(Path.Combine(Stack.StateDir, Storage.Prefix + "-secrets.json"));
        return new SigningKey(System.Text.Encoding.UTF8.GetBytes(await source.GetAsync(SigningKeys.LocalAuditKeyName, CancellationToken.None)));
    }
}

public static class StackClients
{
    public static IAmazonDynamoDB CreateDynamo(this LocalStack stack, HttpClientFactory? httpClientFactory = null)
    {
        var config = new AmazonDynamoDBConfig { ServiceURL = stack.DynamoDbUrl, AuthenticationRegion = "us-east-1" };
        if (httpClientFactory is not null)
        {
            config.HttpClientFactory = httpClientFactory;
        }

        return new AmazonDynamoDBClient(new BasicAWSCredentials(stack.AccessKey, stack.SecretKey), config);
    }

    /// <summary>The app's own credential issuer against RGW's STS and the user-data role stack.sh created (S3 half only, as in Local mode).</summary>
    public static StsScopedCredentialIssuer CreateIssuer(this LocalStack stack, StorageOptions storage) => new(
        new AmazonSecurityTokenServiceClient(
            new BasicAWSCredentials(stack.AccessKey, stack.SecretKey),
            new AmazonSecurityTokenServiceConfig { ServiceURL = stack.S3Url, AuthenticationRegion = "us-east-1" }),
        Options.Create(new UserDataOptions { RoleArn = stack.UserDataRoleArn, PolicyScope = UserDataPolicyScope.S3Only }),
        Options.Create(storage));
}
