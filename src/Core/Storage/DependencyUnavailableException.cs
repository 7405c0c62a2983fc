namespace Enclave.Core.Storage;

/// <summary>A store answered in a way that means "try again later"; the API maps it to 503.</summary>
public sealed class DependencyUnavailableException : Exception
{
    public DependencyUnavailableException()
    {
    }

    public DependencyUnavailableException(string message)
        : base(message)
    {
    }

    public DependencyUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
