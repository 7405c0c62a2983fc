namespace Enclave.Core.Secrets;

/// <summary>Reads one secret value by name. The only seam between the app and its secret store.</summary>
public interface ISecretSource
{
    Task<string> GetAsync(string name, CancellationToken cancellationToken);
}

/// <summary>The secret store could not be read; the request fails with 503 and changes nothing.</summary>
public sealed class SecretUnavailableException : Exception
{
    public SecretUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public SecretUnavailableException()
    {
    }

    public SecretUnavailableException(string message)
        : base(message)
    {
    }
}
