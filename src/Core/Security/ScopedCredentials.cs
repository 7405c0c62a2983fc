namespace Enclave.Core.Security;

/// <summary>Temporary credentials that IAM scopes to one user's prefix and partition.</summary>
public sealed record ScopedCredentials(string UserId, string AccessKeyId, string SecretAccessKey, string SessionToken, DateTimeOffset Expiration)
{
    public bool ExpiresWithin(TimeSpan margin, DateTimeOffset now) => Expiration - now <= margin;

    public override string ToString() => $"ScopedCredentials({UserId}, expires {Expiration:O})";
}
