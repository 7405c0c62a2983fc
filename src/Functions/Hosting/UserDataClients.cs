using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;

using Enclave.Core.Security;

using Microsoft.Extensions.Options;

namespace Enclave.Functions.Hosting;

/// <summary>
/// The seam between a request (or a processing job) and user data: bound once to one user's scoped
/// credentials, it hands out DynamoDB and S3 clients signed with them, so IAM refuses anything outside that
/// user's partition and prefix. It lives and dies with the DI scope; credentials are never kept in process
/// memory beyond it. Unbound, it throws: there is no fallback to the function's own credentials.
/// </summary>
internal sealed class UserDataClients(AwsClientSettings settings, IAmazonS3 hostS3, IOptions<UserDataOptions> options) : IUserDataClients, IDisposable
{
    private ScopedCredentials? credentials;
    private AmazonDynamoDBClient? dynamo;
    private AmazonS3Client? s3;

    public IAmazonDynamoDB Dynamo => dynamo ??= new AmazonDynamoDBClient(Aws(), settings.DynamoDb());

    public IAmazonS3 S3 => s3 ??= new AmazonS3Client(Aws(), settings.S3());

    public IAmazonS3 UploadFormSigner =>
        options.Value.UploadFormSigner == Core.Security.UploadFormSigner.HostCredentials && credentials is not null ? hostS3 : S3;

    private ScopedCredentials Credentials =>
        credentials ?? throw new InvalidOperationException("User data was reached before a user's scoped credentials were bound.");

    public void Bind(ScopedCredentials scoped)
    {
        if (credentials is not null)
        {
            throw new InvalidOperationException("Scoped credentials are bound once per scope.");
        }

        credentials = scoped;
    }

    public void Dispose()
    {
        dynamo?.Dispose();
        s3?.Dispose();
    }

    private SessionAWSCredentials Aws() => new(Credentials.AccessKeyId, Credentials.SecretAccessKey, Credentials.SessionToken);
}
