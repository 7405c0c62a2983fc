using Enclave.Core.Configuration;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Mail;

/// <summary>
/// Where account mail goes: Amazon SES's SMTP interface in AWS (STARTTLS, credentials from the secret store),
/// the local SMTP sink otherwise. Links in mail use <see cref="SiteOrigin"/>, never the request's Host header.
/// </summary>
public sealed class MailOptions
{
    public const string Section = "Enclave:Mail";

    public string? SmtpHost { get; set; }

    public int SmtpPort { get; set; }

    /// <summary>The From address; in AWS a verified SES identity.</summary>
    public string? Sender { get; set; }

    public string SenderName { get; set; } = "Enclave";

    /// <summary>The origin links in mail point at, such as https://enclave.example.com.</summary>
    public string? SiteOrigin { get; set; }

    /// <summary>Secret holding {"username": ..., "password": ...} for SMTP AUTH; required in AWS, unused by the local sink.</summary>
    public string? CredentialsSecretName { get; set; }

    /// <summary>Plain SMTP is allowed only in Local mode, towards the sink on loopback.</summary>
    public bool RequireStartTls { get; set; } = true;

    public int TimeoutSeconds { get; set; } = 10;
}

public sealed class MailOptionsValidator(IOptions<EnclaveHostOptions> host) : IValidateOptions<MailOptions>
{
    public ValidateOptionsResult Validate(string? name, MailOptions options)
    {
        // Only the API sends mail; the processor never does.
        if (host.Value.Role != EnclaveRole.Api)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.SmtpHost))
        {
            failures.Add("Enclave:Mail:SmtpHost is required: account mail (verification, reset) cannot be sent without it.");
        }

        if (options.SmtpPort is < 1 or > 65535)
        {
            failures.Add("Enclave:Mail:SmtpPort must be between 1 and 65535.");
        }

        if (!Accounts.EmailAddress.TryNormalize(options.Sender, out _))
        {
            failures.Add("Enclave:Mail:Sender must be an email address (in AWS, a verified SES identity).");
        }

        if (!Uri.TryCreate(options.SiteOrigin, UriKind.Absolute, out var origin) || origin.Scheme is not ("http" or "https") ||
            !string.Equals(origin.GetLeftPart(UriPartial.Authority), options.SiteOrigin, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add("Enclave:Mail:SiteOrigin must be an origin such as https://example.com, without a path: links in mail point there.");
        }

        if (options.TimeoutSeconds is < 1 or > 60)
        {
            failures.Add("Enclave:Mail:TimeoutSeconds must be between 1 and 60.");
        }

        if (host.Value.Mode == EnclaveMode.Aws)
        {
            if (string.IsNullOrWhiteSpace(options.CredentialsSecretName))
            {
                failures.Add("Enclave:Mail:CredentialsSecretName is required outside Local mode (the SES SMTP credentials).");
            }

            if (!options.RequireStartTls)
            {
                failures.Add("Enclave:Mail:RequireStartTls cannot be turned off outside Local mode.");
            }

            if (origin is { Scheme: not "https" })
            {
                failures.Add("Enclave:Mail:SiteOrigin must be https outside Local mode.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
