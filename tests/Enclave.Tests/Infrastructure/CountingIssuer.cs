using Enclave.Core.Configuration;
using Enclave.Core.Security;

namespace Enclave.Tests.Infrastructure;

/// <summary>The app's real issuer against RGW's STS for a fixture's tables, counted: every call is an STS round trip.</summary>
public sealed class CountingIssuer(ApiFixture fixture) : IScopedCredentialIssuer
{
    private readonly StsScopedCredentialIssuer inner = fixture.Stack.CreateIssuer(
        new StorageOptions { UploadBucket = fixture.Storage.Bucket, DataTable = fixture.Storage.DataTable, AuditTable = fixture.Storage.AuditTable });

    public int Calls { get; private set; }

    public Task<ScopedCredentials> IssueAsync(string userId, IReadOnlyList<string> recordActors, CancellationToken cancellationToken)
    {
        Calls++;
        return inner.IssueAsync(userId, recordActors, cancellationToken);
    }
}
