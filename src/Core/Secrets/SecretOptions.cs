using Enclave.Core.Configuration;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Secrets;

public sealed class SecretOptions
{
    public const string Section = "Enclave:Secrets";

    /// <summary>Secrets Manager name of the key that hashes sign-in tokens and derives CSRF tokens.</summary>
    public string? CookieKeyName { get; set; }

    /// <summary>Secrets Manager name of the key that signs access records.</summary>
    public string? AuditKeyName { get; set; }

    /// <summary>Short, so a rotated secret is picked up within minutes.</summary>
    public int CacheSeconds { get; set; } = 300;

    /// <summary>Local mode only: where generated development secrets are kept (git-ignored).</summary>
    public string? LocalFile { get; set; }
}

/// <summary>Which secret settings each mode needs; a wrong combination stops start-up with a clear message.</summary>
public sealed class SecretOptionsValidator(IOptions<EnclaveHostOptions> host) : IValidateOptions<SecretOptions>
{
    public ValidateOptionsResult Validate(string? name, SecretOptions options)
    {
        var failures = new List<string>();
        if (options.CacheSeconds is < 1 or > 3600)
        {
            failures.Add("Enclave:Secrets:CacheSeconds must be between 1 and 3600.");
        }

        switch (host.Value.Mode)
        {
            case EnclaveMode.Aws:
                if ((host.Value.Role == EnclaveRole.Api && string.IsNullOrWhiteSpace(options.CookieKeyName)) || string.IsNullOrWhiteSpace(options.AuditKeyName))
                {
                    failures.Add("Enclave:Secrets:CookieKeyName (API only) and Enclave:Secrets:AuditKeyName are required outside Local mode: " +
                                 "the service will not start without real secrets.");
                }

                if (!string.IsNullOrEmpty(options.LocalFile))
                {
                    failures.Add("Enclave:Secrets:LocalFile is only allowed in Local mode.");
                }

                break;
            case EnclaveMode.Local:
                if (string.IsNullOrWhiteSpace(options.LocalFile))
                {
                    failures.Add("Enclave:Secrets:LocalFile is required in Local mode.");
                }

                break;
            default:
                failures.Add("Enclave:Mode must be 'Local' or 'Aws'.");
                break;
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
