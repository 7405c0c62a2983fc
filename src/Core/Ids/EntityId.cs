using System.Diagnostics.CodeAnalysis;

namespace Enclave.Core.Ids;

/// <summary>
/// The one id format of the API: a lowercase UUIDv7 (74 random bits, time-sortable).
/// Anything else is not an id, so callers can answer 404 without touching storage.
/// </summary>
public readonly record struct EntityId
{
    private const int Length = 36;

    private EntityId(string value) => Value = value;

    public string Value { get; }

    public static EntityId New() => new(Guid.CreateVersion7().ToString("D"));

    /// <summary>An id that carries the given creation time (to the millisecond), for items whose other times follow from it.</summary>
    public static EntityId New(DateTimeOffset createdAt) => new(Guid.CreateVersion7(createdAt).ToString("D"));

    /// <summary>The creation time a UUIDv7 carries in its first 48 bits (Unix milliseconds).</summary>
    public DateTimeOffset CreatedAt =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(string.Concat(Value.AsSpan(0, 8), Value.AsSpan(9, 4)), System.Globalization.NumberStyles.HexNumber,
            System.Globalization.CultureInfo.InvariantCulture));

    public static bool TryParse([NotNullWhen(true)] string? text, out EntityId id)
    {
        id = default;
        if (text is null || text.Length != Length || !IsCanonical(text))
        {
            return false;
        }

        id = new EntityId(text);
        return true;
    }

    public override string ToString() => Value;

    // Guid.TryParseExact alone accepts uppercase; the strict form is lowercase, version 7, RFC variant.
    private static bool IsCanonical(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var isDash = i is 8 or 13 or 18 or 23;
            if (isDash ? c != '-' : !char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return text[14] == '7' && text[19] is '8' or '9' or 'a' or 'b';
    }
}
