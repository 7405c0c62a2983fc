using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Enclave.Core.Secrets;

/// <summary>
/// The value CloudFront adds to every origin request, kept in Secrets Manager as
/// <c>{"current":"…","previous":"…"}</c>. CloudFront sends <c>current</c>; the app accepts both, so a
/// rotation (new current, old current becomes previous, then redeploy the distribution) drops no request
/// while CloudFront's edges pick the new value up one by one.
/// </summary>
public static class OriginSecret
{
    /// <summary>The header CloudFront adds to every API origin request (infra/cdk Edge) and the API checks first.</summary>
    public const string HeaderName = "X-Origin-Verify";

    public const string CurrentField = "current";
    public const string PreviousField = "previous";
    public const int MinimumLength = 32;

    /// <summary>Whether <paramref name="presented"/> is the current or the previous value, in constant time.</summary>
    public static bool Matches(string secretJson, string presented)
    {
        var (current, previous) = Parse(secretJson);
        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));

        // Hashes make the comparisons equal in length; both are always made, so timing says nothing.
        var matchesCurrent = CryptographicOperations.FixedTimeEquals(presentedHash, SHA256.HashData(Encoding.UTF8.GetBytes(current)));
        var matchesPrevious = previous is not null &&
                              CryptographicOperations.FixedTimeEquals(presentedHash, SHA256.HashData(Encoding.UTF8.GetBytes(previous)));
        return matchesCurrent | matchesPrevious;
    }

    private static (string Current, string? Previous) Parse(string secretJson)
    {
        try
        {
            using var document = JsonDocument.Parse(secretJson);
            var root = document.RootElement;
            var current = root.ValueKind == JsonValueKind.Object && root.TryGetProperty(CurrentField, out var c) && c.ValueKind == JsonValueKind.String
                ? c.GetString()!
                : "";
            var previous = root.TryGetProperty(PreviousField, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            if (current.Length < MinimumLength || previous is { Length: < MinimumLength })
            {
                throw new SecretUnavailableException($"The origin secret needs a '{CurrentField}' (and an optional '{PreviousField}') of at least {MinimumLength} characters.");
            }

            return (current, previous);
        }
        catch (JsonException ex)
        {
            throw new SecretUnavailableException("The origin secret is not a JSON object.", ex);
        }
    }
}
