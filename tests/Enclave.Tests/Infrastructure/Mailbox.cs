using System.Text.RegularExpressions;

using MimeKit;

namespace Enclave.Tests.Infrastructure;

/// <summary>
/// The local SMTP sink's folder (scripts/local/mail-sink.py writes one .eml per message, named after its
/// recipient). Waits for mail to one address with a deadline and reads the link out of it.
/// </summary>
public sealed partial class Mailbox(string directory)
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    public string Directory => directory;

    /// <summary>Every message to the address so far, oldest first.</summary>
    public IReadOnlyList<MimeMessage> MessagesTo(string address)
    {
        var pattern = "*--" + Sanitize(address) + ".eml";
        return [.. System.IO.Directory.EnumerateFiles(directory, pattern).Order(StringComparer.Ordinal).Select(path => MimeMessage.Load(path))];
    }

    /// <summary>Polls (every 20 ms) until the address has more than <paramref name="alreadySeen"/> messages; returns the newest.</summary>
    public async Task<MimeMessage> WaitForAsync(string address, int alreadySeen = 0, TimeSpan? wait = null)
    {
        var deadline = DateTimeOffset.UtcNow + (wait ?? DefaultWait);
        while (true)
        {
            var messages = MessagesTo(address);
            if (messages.Count > alreadySeen)
            {
                return messages[^1];
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"No mail #{alreadySeen + 1} to {address} in {directory} within {wait ?? DefaultWait}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The token of the newest verification or reset link to the address, read from the plain-text part.</summary>
    public async Task<string> WaitForTokenAsync(string address, int alreadySeen = 0)
    {
        var message = await WaitForAsync(address, alreadySeen);
        return TokenIn(message) ?? throw new InvalidOperationException($"Mail '{message.Subject}' to {address} has no link with a token.");
    }

    public static string? TokenIn(MimeMessage message) =>
        Token().Match(message.TextBody ?? "") is { Success: true } match ? match.Groups[1].Value : null;

    private static string Sanitize(string address) => SinkUnsafe().Replace(address.ToLowerInvariant(), "_");

    [GeneratedRegex(@"[?&]token=([A-Za-z0-9_-]{43})")]
    private static partial Regex Token();

    // The same replacement mail-sink.py applies to the recipient in the file name.
    [GeneratedRegex(@"[^A-Za-z0-9@._+-]")]
    private static partial Regex SinkUnsafe();
}
