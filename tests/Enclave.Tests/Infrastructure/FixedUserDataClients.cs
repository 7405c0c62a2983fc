using Amazon.DynamoDBv2;
using Amazon.S3;

using Enclave.Core.Security;

namespace Enclave.Tests.Infrastructure;

/// <summary>Hands Core's stores a given client, as the app's seam would after binding a user's credentials.</summary>
public sealed class FixedUserDataClients(IAmazonS3 s3, IAmazonDynamoDB? dynamo = null) : IUserDataClients
{
    public IAmazonDynamoDB Dynamo => dynamo ?? throw new InvalidOperationException("No DynamoDB client given.");

    public IAmazonS3 S3 => s3;

    public IAmazonS3 UploadFormSigner => s3;
}
