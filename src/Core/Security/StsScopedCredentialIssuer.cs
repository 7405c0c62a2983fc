using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

using Enclave.Core.Configuration;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Security;

/// <summary>STS AssumeRole on the user-data role with the user's session policy.</summary>
public sealed class StsScopedCredentialIssuer(
    IAmazonSecurityTokenService sts,
    IOptions<UserDataOptions> options,
    IOptions<StorageOptions> storage) : IScopedCredentialIssuer
{
    public async Task<ScopedCredentials> IssueAsync(string userId, IReadOnlyList<string> recordActors, CancellationToken cancellationToken)
    {
        var resources = new UserDataResources(storage.Value.UploadBucket, storage.Value.DataTable, storage.Value.AuditTable);
        var response = await sts.AssumeRoleAsync(
            new AssumeRoleRequest
            {
                RoleArn = options.Value.RoleArn,
                // Shows in CloudTrail as the assumed-role session name, so every AWS call is attributable to the user.
                RoleSessionName = "user-" + userId,
                Policy = UserDataPolicy.For(userId, resources, recordActors, options.Value.PolicyScope),
                DurationSeconds = options.Value.CredentialMinutes * 60,
                // The role's own policy and trust policy are written against this tag (RGW ignores it; AWS enforces it).
                Tags = [new Tag { Key = UserDataPolicy.UserTagKey, Value = userId }],
            },
            cancellationToken);
        var credentials = response.Credentials;
        var expiration = credentials.Expiration ?? throw new InvalidDataException("STS returned credentials without an expiry.");
        // Whole seconds: what is sealed and read back must equal what was issued.
        return new ScopedCredentials(
            userId,
            credentials.AccessKeyId,
            credentials.SecretAccessKey,
            credentials.SessionToken,
            DateTimeOffset.FromUnixTimeSeconds(new DateTimeOffset(expiration, TimeSpan.Zero).ToUnixTimeSeconds()));
    }
}
