using System.Net;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Mail;

/// <summary>
/// The account mails. Links point at the configured site origin (never a request's Host header) and carry the
/// token in the URL fragment, which browsers never send to a server or in a Referer. No images, no tracking.
/// </summary>
public sealed class AccountMail(IOptions<MailOptions> options)
{
    private string Origin => options.Value.SiteOrigin!;

    public OutgoingMail Verification(string to, string token, TimeSpan validFor) => Compose(
        to,
        "Confirm your email for Enclave",
        "Confirm this address to finish creating your Enclave account.",
        $"{Origin}/#/verify-email?token={token}",
        "Confirm my email",
        $"The link works once, for {Describe(validFor)}. If you did not create an account, ignore this mail: nothing happens without the link.");

    public OutgoingMail AlreadyRegistered(string to) => Compose(
        to,
        "You already have an Enclave account",
        "Someone (probably you) tried to create an Enclave account with this address, but it already has one.",
        $"{Origin}/#/forgot-password",
        "Reset my password",
        "If you have forgotten your password, reset it with the link. If it was not you, ignore this mail: your account is unchanged.");

    public OutgoingMail PasswordReset(string to, string token, TimeSpan validFor) => Compose(
        to,
        "Reset your Enclave password",
        "Someone (probably you) asked to reset the password of your Enclave account.",
        $"{Origin}/#/reset-password?token={token}",
        "Choose a new password",
        $"The link works once, for {Describe(validFor)}, and signs you out everywhere. If you did not ask, ignore this mail: your password is unchanged.");

    public OutgoingMail NoAccount(string to) => Compose(
        to,
        "Enclave password reset",
        "Someone asked to reset the password of an Enclave account with this address, but no confirmed account uses it.",
        $"{Origin}/#/register",
        "Create an account",
        "If you meant to sign up (or never confirmed your address), register again. If it was not you, ignore this mail.");

    private static string Describe(TimeSpan span) => span.TotalMinutes < 120 ? $"{span.TotalMinutes:0} minutes" : $"{span.TotalHours:0} hours";

    private static OutgoingMail Compose(string to, string subject, string lead, string link, string action, string footer)
    {
        var text = $"{lead}\n\n{action}: {link}\n\n{footer}\n";
        var html = "<!DOCTYPE html><html><body>" +
                   $"<p>{WebUtility.HtmlEncode(lead)}</p>" +
                   $"<p><a href=\"{WebUtility.HtmlEncode(link)}\">{WebUtility.HtmlEncode(action)}</a></p>" +
                   $"<p>{WebUtility.HtmlEncode(footer)}</p>" +
                   "</body></html>";
        return new OutgoingMail(to, subject, text, html);
    }
}
