namespace Enclave.AuditCli;

/// <summary>The command line asks for something the tool cannot do; printed as one line, exit code 1.</summary>
internal sealed class UsageException : Exception
{
    public UsageException()
        : this("Usage error.")
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
