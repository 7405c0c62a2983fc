using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

using Enclave.Core.Accounts;
using Enclave.Core.Audit;
using Enclave.Core.Secrets;

namespace Enclave.AuditCli;

/// <summary>
/// Every option of enclave-audit, parsed and checked by System.CommandLine before a command runs, so a bad
/// value exits 1 with its own message and no AWS call is made. One instance per run: options are not shared.
/// </summary>
internal sealed class AuditOptions
{
    public Option<string> Table { get; } = new("--table") { Description = "The audit table.", DefaultValueFactory = _ => "enclave-audit", HelpName = "NAME" };

    public Option<string?> EndpointUrl { get; } = new("--endpoint-url") { Description = "DynamoDB endpoint, e.g. DynamoDB Local.", HelpName = "URL" };

    public Option<string?> Region { get; } = new("--region") { Description = "AWS region.", HelpName = "REGION" };

    public Option<string?> KeySecret { get; } = new("--key-secret")
    {
        Description = "Audit key in Secrets Manager (read through SSM).",
        HelpName = "NAME",
    };

    public Option<string?> KeyFile { get; } = new("--key-file") { Description = "Local mode secrets file holding the audit key.", HelpName = "PATH" };

    public Option<string> KeyName { get; } = new("--key-name")
    {
        Description = "Entry in --key-file.",
        DefaultValueFactory = _ => SigningKeys.LocalAuditKeyName,
        HelpName = "NAME",
    };

    public Option<int> Shards { get; } = WholeNumber("--shards", "The deployment's Enclave:Storage:AuditShards.", AccessRecordLayout.DefaultShards, 1,
        AccessRecordLayout.MaxShards);

    public Option<DateOnly?> UnshardedThrough { get; } = DayOption("--unsharded-through", "The deployment's AuditUnshardedThrough, if records predate sharding.");

    public Option<string?> Actor { get; } = new("--actor") { Description = "Records by this user id (or anonymous).", HelpName = "ID" };

    public Option<string?> Session { get; } = new("--session") { Description = "Records about this session.", HelpName = "ID" };

    public Option<string?> Subject { get; } = new("--subject") { Description = "Records about this user (failed sign-ins, role changes).", HelpName = "USER-ID" };

    public Option<DateOnly?> Day { get; } = DayOption("--day", "Records of one UTC day.");

    public Option<DateTimeOffset?> From { get; } = TimeOption("--from", "Records at or after this time.");

    public Option<DateTimeOffset?> To { get; } = TimeOption("--to", "Records at or before this time.");

    public Option<AccessOutcome?> Outcome { get; } = new("--outcome")
    {
        Description = "Only records with this outcome.",
        HelpName = "allowed|denied|not-found|error",
        CustomParser = r => AccessRecordItem.TryParseOutcome(r.Tokens[0].Value, out var outcome)
            ? outcome
            : Error<AccessOutcome?>(r, "--outcome must be allowed, denied, not-found or error."),
    };

    public Option<string> Format { get; } = Choice("--format", "Output format.", "table", "--format must be table, csv or jsonl.", [.. RecordWriter.Formats]);

    public Option<int> WindowMinutes { get; } = WindowOption();

    public Option<int> GraceMinutes { get; } = WholeNumber("--grace-minutes", "A window is sealed this long after it ends.",
        (int)AccessRecordDigests.DefaultGrace.TotalMinutes, 0, 1440);

    public Option<string> UserId { get; } = new("--user-id") { Description = "The account.", Required = true, HelpName = "ID" };

    public Option<string> Role { get; } = Choice("--role", "The role.", null, "--role must be auditor or admin.", [.. RoleGrants.Roles.Order(StringComparer.Ordinal)]);

    public Option<string> IdentityTable { get; } = new("--identity-table") { Description = "The identity table.", Required = true, HelpName = "NAME" };

    public Option<string?> Operator { get; } = new("--operator")
    {
        Description = "Who makes the change, for the access record (default: the STS caller ARN).",
        HelpName = "NAME",
        CustomParser = r => r.Tokens[0].Value is { Length: > 0 and <= 200 } name && !name.Any(char.IsControl)
            ? name
            : Error<string?>(r, "--operator must be a short printable name."),
    };

    // A string, not a bool: System.CommandLine's bool options take only true/false, and the confirmation is the word yes.
    public Option<string?> Confirm { get; } = new("--confirm")
    {
        Description = "Make the change; without it the account is shown and nothing changes.",
        HelpName = "yes",
        CustomParser = r => r.Tokens[0].Value == "yes" ? "yes" : Error<string?>(r, "--confirm takes only 'yes'."),
    };

    /// <summary>Options every command takes: where the records are and how to read the key.</summary>
    public IEnumerable<Option> Common => [Table, EndpointUrl, Region, KeySecret, KeyFile, KeyName, Shards, UnshardedThrough];

    /// <summary>Which records query and verify read.</summary>
    public IEnumerable<Option> Selection => [Actor, Session, Subject, Day, From, To, Outcome];

    public IEnumerable<Option> Windows => [WindowMinutes, GraceMinutes];

    public IEnumerable<Option> RoleChange => [UserId, Role, IdentityTable, Operator, Confirm];

    private static T Error<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    private static Option<int> WholeNumber(string name, string description, int fallback, int min, int max) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        HelpName = "N",
        CustomParser = r => int.TryParse(r.Tokens[0].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : Error<int>(r, $"Option '{name}' must be a whole number from {min} to {max}."),
    };

    private static Option<int> WindowOption()
    {
        var option = WholeNumber("--window-minutes", "Digest window; divides a day.", (int)AccessRecordDigests.DefaultWindow.TotalMinutes, 1, 1440);
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && r.GetValueOrDefault<int>() is var minutes && minutes > 0 && 1440 % minutes != 0)
            {
                r.AddError("--window-minutes must divide 1440 (a day).");
            }
        });
        return option;
    }

    private static Option<string> Choice(string name, string description, string? fallback, string message, params string[] values)
    {
        var option = new Option<string>(name)
        {
            Description = description,
            HelpName = string.Join('|', values),
            Required = fallback is null,
            CustomParser = r => values.Contains(r.Tokens[0].Value, StringComparer.Ordinal) ? r.Tokens[0].Value : Error<string>(r, message),
        };
        if (fallback is not null)
        {
            option.DefaultValueFactory = _ => fallback;
        }

        return option;
    }

    private static Option<DateOnly?> DayOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "YYYY-MM-DD",
        CustomParser = r => DateOnly.TryParseExact(r.Tokens[0].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : Error<DateOnly?>(r, "Days are YYYY-MM-DD."),
    };

    private static Option<DateTimeOffset?> TimeOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "T",
        CustomParser = r => DateTimeOffset.TryParseExact(r.Tokens[0].Value, ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"],
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : Error<DateTimeOffset?>(r, $"{name} must be an ISO-8601 UTC time such as 2026-01-31T12:00:00Z."),
    };
}
