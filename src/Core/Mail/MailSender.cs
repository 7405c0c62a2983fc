using System.Text.Json;

using Enclave.Core.Secrets;

using MailKit.Net.Smtp;
using MailKit.Security;

using Microsoft.Extensions.Options;

using MimeKit;

namespace Enclave.Core.Mail;

/// <summary>One message: a plain-text part and an HTML part with the same content, no images or tracking.</summary>
public sealed record OutgoingMail(string To, string Subject, string Text, string Html);

/// <summary>The only way the app sends mail.</summary>
public interface IMailSender
{
    /// <summary>Delivers to the SMTP server or throws <see cref="MailUnavailableException"/>.</summary>
    Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken);
}

/// <summary>The SMTP server did not take the message; the request answers 503.</summary>
public sealed class MailUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    public MailUnavailableException()
        : this("Mail could not be sent.")
    {
    }

    public MailUnavailableException(string message)
        : this(message, null)
    {
    }
}

/// <summary>
/// SMTP through MailKit, one connection per message (a Lambda instance may be frozen between requests, so no
/// connection is kept). In AWS this is SES's SMTP interface with STARTTLS and credentials from the secret store.
/// </summary>
public sealed class SmtpMailSender(IOptions<MailOptions> options, CachedSecretSource secrets) : IMailSender
{
    public async Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(settings.SenderName, settings.Sender!));
        message.To.Add(MailboxAddress.Parse(mail.To));
        message.Subject = mail.Subject;
        message.Body = new BodyBuilder { TextBody = mail.Text, HtmlBody = mail.Html }.ToMessageBody();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        using var client = new SmtpClient { Timeout = settings.TimeoutSeconds * 1000 };
        try
        {
            await client.ConnectAsync(
                settings.SmtpHost!,
                settings.SmtpPort,
                settings.RequireStartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None,
                timeout.Token);
            if (settings.CredentialsSecretName is { Length: > 0 } secretName)
            {
                var (user, password) = ParseCredentials(await secrets.GetAsync(secretName, timeout.Token));
                await client.AuthenticateAsync(user, password, timeout.Token);
            }

            await client.SendAsync(message, timeout.Token);
            await client.DisconnectAsync(quit: true, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or SmtpCommandException or SmtpProtocolException
                                       or AuthenticationException or SslHandshakeException or OperationCanceledException
                                   && !cancellationToken.IsCancellationRequested)
        {
            throw new MailUnavailableException($"The SMTP server did not accept the message ({ex.GetType().Name}).", ex);
        }
    }

    private static (string User, string Password) ParseCredentials(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            return (root.GetProperty("username").GetString() ?? "", root.GetProperty("password").GetString() ?? "");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new SecretUnavailableException("The SMTP credentials secret is not {\"username\", \"password\"} JSON.", ex);
        }
    }
}
