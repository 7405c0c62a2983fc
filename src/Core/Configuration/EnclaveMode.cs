namespace Enclave.Core.Configuration;

public enum EnclaveRole
{
    Api = 0,
    Processor = 1,
}

/// <summary>How the process gets its secrets. Only <see cref="Local"/> may invent them.</summary>
public enum EnclaveMode
{
    /// <summary>Unset: start-up refuses to run, so a forgotten setting never means "local".</summary>
    Unset = 0,

    /// <summary>Developer machine: secrets are generated into a git-ignored file.</summary>
    Local = 1,

    /// <summary>Deployed: secrets come from Secrets Manager through SSM.</summary>
    Aws = 2,
}
