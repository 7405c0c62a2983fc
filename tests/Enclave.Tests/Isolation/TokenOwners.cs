using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Enclave.Tests.Isolation;

/// <summary>
/// Which user each identifying token belongs to: user, session and upload ids, and the markers in emails,
/// names, file names and file contents. Ids are UUIDs and markers "mk" + 24 hex digits, so a scan of any
/// text (JSON, a URL, a log line, file bytes) finds every one of them without knowing the format.
/// </summary>
internal sealed partial class TokenOwners
{
    private readonly ConcurrentDictionary<string, SimulatedUser> owners = new(StringComparer.Ordinal);

    public static string NewMarker() => "mk" + Guid.NewGuid().ToString("N")[..24];

    public string NewMarkerOf(SimulatedUser user)
    {
        var marker = NewMarker();
        Add(marker, user);
        return marker;
    }

    public void Add(string token, SimulatedUser user) => Assert.True(owners.TryAdd(token, user), $"token {token} issued twice");

    public SimulatedUser? OwnerOf(string? token) => token is not null && owners.TryGetValue(token, out var user) ? user : null;

    /// <summary>Known tokens in the text that belong to someone other than the allowed user and are not explicitly allowed.</summary>
    public IEnumerable<string> ForeignTokens(string text, SimulatedUser? allowed, params string?[] alsoAllowed) =>
        Token().Matches(text).Select(m => m.Value).Distinct(StringComparer.Ordinal)
            .Where(t => OwnerOf(t) is { } owner && owner != allowed && !alsoAllowed.Contains(t));

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mk[0-9a-f]{24}")]
    private static partial Regex Token();
}

/// <summary>Live (session, upload) pairs that their owners never delete, for other users to attack.</summary>
internal sealed class AttackTargets
{
    private readonly List<(SimulatedUser Owner, string SessionId, string UploadId)> targets = [];

    public void Publish(SimulatedUser owner, string sessionId, string uploadId)
    {
        lock (targets)
        {
            targets.Add((owner, sessionId, uploadId));
        }
    }

    public async Task<(string SessionId, string UploadId)> PickOtherThanAsync(SimulatedUser attacker)
    {
        while (true)
        {
            lock (targets)
            {
                var others = targets.Where(t => t.Owner != attacker).ToList();
                if (others.Count > 0)
                {
                    var pick = others[Random.Shared.Next(others.Count)];
                    return (pick.SessionId, pick.UploadId);
                }
            }

            await Task.Delay(100);
        }
    }
}
