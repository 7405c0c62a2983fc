using System.Globalization;

namespace Enclave.Core.Profiling;

internal enum ValueKind : byte
{
    String,
    Integer,
    Number,
    Boolean,
    Date,
    Timestamp,
}

/// <summary>
/// Infers the type of one text value, strictly, so a column is numeric only if every value really is a number:
/// <list type="bullet">
/// <item>numbers use the JSON grammar with an optional leading '+': no thousands separators, no hex, no NaN or
/// infinities, no leading zeros ("007" stays a string: it is an identifier, not seven), and must be finite doubles;</item>
/// <item>integers are numbers without fraction or exponent that fit a 64-bit integer;</item>
/// <item>booleans are true/false in any letter case;</item>
/// <item>dates are ISO 8601 yyyy-MM-dd; timestamps add 'T' or ' ', HH:mm[:ss[.fraction]] and an optional
/// 'Z' or ±HH:mm offset, all fields range-checked.</item>
/// </list>
/// For dates and timestamps, <c>number</c> is seconds since 1970-01-01T00:00:00 (UTC when an offset is given; a value
/// without one is taken as written), so min, max and quantiles order them as instants.
/// </summary>
internal static class ValueClassifier
{
    public static ValueKind Classify(ReadOnlySpan<byte> value, out double number)
    {
        number = 0;
        byte first = value[0];
        if (IsDigit(first) || first is (byte)'-' or (byte)'+')
        {
            if (value.Length >= 10 && value[4] == '-' && IsDigit(first))
            {
                return ClassifyTemporal(value, out number);
            }

            return ClassifyNumber(value, out number);
        }

        if (first is (byte)'t' or (byte)'T' or (byte)'f' or (byte)'F' && IsBoolean(value))
        {
            return ValueKind.Boolean;
        }

        return ValueKind.String;
    }

    /// <summary>A JSON number token (already valid JSON): integer or number.</summary>
    public static ValueKind ClassifyJsonNumber(ReadOnlySpan<byte> token, out double number) => ClassifyNumber(token, out number);

    /// <summary>A JSON string: it may carry a date or timestamp (JSON has no such types), but quoted digits stay text.</summary>
    public static ValueKind ClassifyJsonString(ReadOnlySpan<byte> value, out double seconds)
    {
        seconds = 0;
        return value.Length >= 10 && IsDigit(value[0]) && value[4] == '-' ? ClassifyTemporal(value, out seconds) : ValueKind.String;
    }

    private static ValueKind ClassifyNumber(ReadOnlySpan<byte> value, out double number)
    {
        number = 0;
        int i = value[0] is (byte)'-' or (byte)'+' ? 1 : 0;
        int integerStart = i;
        while (i < value.Length && IsDigit(value[i]))
        {
            i++;
        }

        int integerDigits = i - integerStart;
        if (integerDigits == 0 || (integerDigits > 1 && value[integerStart] == '0'))
        {
            return ValueKind.String;
        }

        bool integral = true;
        if (i < value.Length && value[i] == '.')
        {
            integral = false;
            int fractionStart = ++i;
            while (i < value.Length && IsDigit(value[i]))
            {
                i++;
            }

            if (i == fractionStart)
            {
                return ValueKind.String;
            }
        }

        if (i < value.Length && value[i] is (byte)'e' or (byte)'E')
        {
            integral = false;
            i++;
            if (i < value.Length && value[i] is (byte)'-' or (byte)'+')
            {
                i++;
            }

            int exponentStart = i;
            while (i < value.Length && IsDigit(value[i]))
            {
                i++;
            }

            if (i == exponentStart)
            {
                return ValueKind.String;
            }
        }

        if (i != value.Length)
        {
            return ValueKind.String;
        }

        if (integral && integerDigits <= 18)
        {
            long magnitude = 0;
            for (int d = integerStart; d < value.Length; d++)
            {
                magnitude = (magnitude * 10) + (value[d] - '0');
            }

            number = value[0] == '-' ? -magnitude : magnitude;
            return ValueKind.Integer;
        }

        if (integral && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long big))
        {
            number = big;
            return ValueKind.Integer;
        }

        if (TryFastDecimal(value, out number))
        {
            return ValueKind.Number;
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out number) || !double.IsFinite(number))
        {
            number = 0;
            return ValueKind.String;
        }

        return ValueKind.Number;
    }

    // Clinger's fast path for already validated text: when the digits form an integer below 2^53 and the power of ten
    // is at most 22, both are exact doubles and one IEEE division is correctly rounded, so the result equals what
    // double.Parse gives — at a fraction of the cost. Anything else (exponents, long mantissas) goes the slow way.
    private static bool TryFastDecimal(ReadOnlySpan<byte> value, out double number)
    {
        number = 0;
        ulong mantissa = 0;
        int digits = 0;
        int scale = 0;
        bool fraction = false;
        int i = value[0] is (byte)'-' or (byte)'+' ? 1 : 0;
        for (; i < value.Length; i++)
        {
            byte c = value[i];
            if (c == '.')
            {
                fraction = true;
                continue;
            }

            if (!IsDigit(c) || ++digits > 15)
            {
                return false; // an exponent, or more digits than the fast path covers
            }

            mantissa = (mantissa * 10) + (uint)(c - '0');
            if (fraction)
            {
                scale++;
            }
        }

        if (scale > 22)
        {
            return false;
        }

        number = mantissa / PowerOfTen(scale);
        if (value[0] == '-')
        {
            number = -number;
        }

        return true;
    }

    private static double PowerOfTen(int exponent) => exponent switch
    {
        0 => 1e0,
        1 => 1e1,
        2 => 1e2,
        3 => 1e3,
        4 => 1e4,
        5 => 1e5,
        6 => 1e6,
        7 => 1e7,
        8 => 1e8,
        9 => 1e9,
        10 => 1e10,
        11 => 1e11,
        12 => 1e12,
        13 => 1e13,
        14 => 1e14,
        15 => 1e15,
        16 => 1e16,
        17 => 1e17,
        18 => 1e18,
        19 => 1e19,
        20 => 1e20,
        21 => 1e21,
        _ => 1e22,
    };

    private static ValueKind ClassifyTemporal(ReadOnlySpan<byte> value, out double seconds)
    {
        seconds = 0;
        if (!TryTwoDigits(value, 5, out int month) || !TryTwoDigits(value, 8, out int day) || value[7] != '-' ||
            !IsDigit(value[1]) || !IsDigit(value[2]) || !IsDigit(value[3]))
        {
            return ValueKind.String;
        }

        int year = ((value[0] - '0') * 1000) + ((value[1] - '0') * 100) + ((value[2] - '0') * 10) + (value[3] - '0');
        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return ValueKind.String;
        }

        double daySeconds = (new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc) - DateTime.UnixEpoch).TotalDays * SecondsPerDay;
        if (value.Length == 10)
        {
            seconds = daySeconds;
            return ValueKind.Date;
        }

        if (!TryTime(value[10..], out double timeSeconds))
        {
            return ValueKind.String;
        }

        seconds = daySeconds + timeSeconds;
        return ValueKind.Timestamp;
    }

    private const double SecondsPerDay = 86_400;

    // [T ]HH:mm[:ss[.f+]][Z|±HH:mm|±HHmm]; the seconds since midnight, minus the offset.
    private static bool TryTime(ReadOnlySpan<byte> value, out double seconds)
    {
        seconds = 0;
        if (value.Length < 6 || value[0] is not ((byte)'T' or (byte)' ') || value[3] != ':' ||
            !TryTwoDigits(value, 1, out int hour) || !TryTwoDigits(value, 4, out int minute) || hour > 23 || minute > 59)
        {
            return false;
        }

        seconds = (hour * 3600) + (minute * 60);
        int i = 6;
        if (i < value.Length && value[i] == ':')
        {
            if (!TryTwoDigits(value, i + 1, out int second) || second > 59)
            {
                return false;
            }

            seconds += second;
            i += 3;
            if (i < value.Length && value[i] == '.')
            {
                int fractionStart = ++i;
                double scale = 0.1;
                while (i < value.Length && IsDigit(value[i]))
                {
                    seconds += (value[i] - '0') * scale;
                    scale /= 10;
                    i++;
                }

                if (i == fractionStart || i - fractionStart > 9)
                {
                    return false;
                }
            }
        }

        var zone = value[i..];
        if (zone.IsEmpty || zone.SequenceEqual("Z"u8))
        {
            return true;
        }

        if (zone[0] is not ((byte)'+' or (byte)'-'))
        {
            return false;
        }

        int minuteAt = zone.Length == 6 && zone[3] == ':' ? 4 : zone.Length == 5 ? 3 : -1;
        if (minuteAt < 0 || !TryTwoDigits(zone, 1, out int offsetHours) || !TryTwoDigits(zone, minuteAt, out int offsetMinutes) ||
            offsetHours > 14 || offsetMinutes > 59)
        {
            return false;
        }

        int offset = (offsetHours * 3600) + (offsetMinutes * 60);
        seconds -= zone[0] == '+' ? offset : -offset;
        return true;
    }

    private static bool IsBoolean(ReadOnlySpan<byte> value) =>
        System.Text.Ascii.EqualsIgnoreCase(value, "true"u8) || System.Text.Ascii.EqualsIgnoreCase(value, "false"u8);

    private static bool TryTwoDigits(ReadOnlySpan<byte> value, int at, out int result)
    {
        result = 0;
        if (at + 1 >= value.Length || !IsDigit(value[at]) || !IsDigit(value[at + 1]))
        {
            return false;
        }

        result = ((value[at] - '0') * 10) + (value[at + 1] - '0');
        return true;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;
}
