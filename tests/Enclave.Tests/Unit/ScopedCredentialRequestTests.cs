using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Security;

using Microsoft.Extensions.Options;

namespace Enclave.Tests.Unit;

/// <summary>
/// What the app asks STS for. RGW ignores session tags, so the request itself is checked here: in AWS the
/// user-data role's trust policy and own policy refuse a session without exactly this tag (IamMatrixTests).
/// </summary>
public sealed class ScopedCredentialRequestTests
{
    [Fact]
    public async Task AssumeRole_carries_the_users_session_tag_and_session_policy()
    {
        var userId = EntityId.New().Value;
        var sts = new RecordingSts();
        var storage = new StorageOptions { IdentityTable = "enclave-identity", DataTable = "enclave-data", AuditTable = "enclave-audit", UploadBucket = "enclave-uploads" };
        var issuer = new StsScopedCredentialIssuer(
            sts, Options.Create(new UserDataOptions { RoleArn = "arn:aws:iam::123456789012:role/user-data" }), Options.Create(storage));

        var credentials = await issuer.IssueAsync(userId, [userId], CancellationToken.None);

        var request = Assert.Single(sts.Requests);
        var tag = Assert.Single(request.Tags);
        Assert.Equal((UserDataPolicy.UserTagKey, userId), (tag.Key, tag.Value));
        Assert.Equal(UserDataPolicy.For(userId, new UserDataResources("enclave-uploads", "enclave-data", "enclave-audit"), [userId]), request.Policy);
        Assert.Equal("user-" + userId, request.RoleSessionName);
        Assert.Equal(userId, credentials.UserId);
    }

    private sealed class RecordingSts() : AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), new AmazonSecurityTokenServiceConfig { ServiceURL = "http://127.0.0.1:9" })
    {
        public List<AssumeRoleRequest> Requests { get; } = [];

        public override Task<AssumeRoleResponse> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Add(request);
            return Task.FromResult(new AssumeRoleResponse
            {
                Credentials = new Credentials { AccessKeyId = "ASIAEXAMPLEEXAMPLE12", SecretAccessKey = "secret", SessionToken = "token", Expiration = DateTime.UtcNow.AddHours(1) },
            });
        }
    }
}
