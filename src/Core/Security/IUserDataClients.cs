using Amazon.DynamoDBv2;
using Amazon.S3;

namespace Enclave.Core.Security;

/// <summary>
/// The one way code reaches user items and objects: clients signed with credentials that IAM scopes to
/// the one user this request or job serves. There is no unscoped fallback; using it before a user is bound fails.
/// </summary>
public interface IUserDataClients
{
    IAmazonDynamoDB Dynamo { get; }

    IAmazonS3 S3 { get; }

    /// <summary>Signs presigned POST forms: <see cref="S3"/>, except where configuration allows the local emulator's workaround (<see cref="UploadFormSigner"/>).</summary>
    IAmazonS3 UploadFormSigner { get; }
}
