using System.Globalization;

using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Amazon.SimpleSystemsManagement;

using Enclave.Core.Accounts;
using Enclave.Core.Audit;
using Enclave.Core.Secrets;

namespace Enclave.AuditCli;

/// <summary>
/// enclave-audit: the auditors' and operators' tool. It talks to DynamoDB directly with the caller's own
/// AWS credentials (no API, no shared credential), so IAM decides who may read records or change roles.
/// Exit codes: 0 fine, 1 usage, 2 tampering found, 3 could not complete.
/// </summary>
public sealed class AuditCommand(TimeProvider clock, Func<string?, IAmazonDynamoDB>? dynamoFactory = null)
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int Tampered = 2;
    public const int Failed = 3;

    private const string Help = """
        enclave-audit <command> [--option value]...

          query   --actor ID | --session ID | --subject USER-ID | --day YYYY-MM-DD | --from T --to T
                  [--from T] [--to T] [--outcome allowed|denied|not-found|error] [--format table|csv|jsonl]
          verify  same selection as query: checks every record's HMAC; with --day only, also checks the
                  day's signed digests, so removed and added records are found too
          digest  [--day YYYY-MM-DD] seals closed windows (default: yesterday and today) [--window-minutes 60]
          grant   --user-id ID --role auditor|admin --identity-table NAME [--operator NAME] [--confirm yes]
          revoke  --user-id ID --role auditor|admin --identity-table NAME [--operator NAME] [--confirm yes]
                  shows the account (email, created, verified) first and changes nothing without --confirm yes;
                  a role is granted only to an account whose email is verified

        common: --table NAME (default enclave-audit) --endpoint-url URL --region REGION
                --key-secret NAME (Secrets Manager, via SSM) | --key-file PATH (Local mode secrets file)
                --key-name NAME (entry in --key-file, default enclave/audit-key)
                --window-minutes N (digest window, divides a day; default 60) --grace-minutes N (default 5)
                --shards N (the deployment's Enclave:Storage:AuditShards, default 128)
                --unsharded-through YYYY-MM-DD (its AuditUnshardedThrough, if records predate sharding)
        times are ISO-8601 UTC, e.g. 2026-01-31T12:00:00Z
        """;

    private static readonly System.Collections.Frozen.FrozenSet<string> Common = System.Collections.Frozen.FrozenSet.ToFrozenSet(
        ["table", "endpoint-url", "region", "key-secret", "key-file", "key-name", "window-minutes", "grace-minutes", "format", "shards",
            "unsharded-through"],
        StringComparer.Ordinal);

    private static readonly System.Collections.Frozen.FrozenSet<string> Selection = System.Collections.Frozen.FrozenSet.ToFrozenSet(
        ["actor", "session", "subject", "day", "from", "to", "outcome"], StringComparer.Ordinal);

    private static readonly System.Collections.Frozen.FrozenSet<string> RoleOptions = System.Collections.Frozen.FrozenSet.ToFrozenSet(
        ["user-id", "role", "identity-table", "operator", "confirm"], StringComparer.Ordinal);

    public async Task<int> RunAsync(string[] args, TextWriter output, TextWriter? error = null)
    {
        error ??= output;
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            await output.WriteLineAsync(Help);
            return args.Length == 0 ? Usage : Ok;
        }

        try
        {
            var allowed = new HashSet<string>(Common, StringComparer.Ordinal);
            allowed.UnionWith(args[0] is "grant" or "revoke" ? RoleOptions : Selection);
            var cli = CliArgs.Parse(args, allowed);
            using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
            return cli.Command switch
            {
                "query" => await QueryAsync(cli, output, verifyOnly: false, cancel.Token),
                "verify" => await VerifyAsync(cli, output, cancel.Token),
                "digest" => await DigestAsync(cli, output, cancel.Token),
                "grant" => await RoleAsync(cli, RoleChange.Grant, output, cancel.Token),
                "revoke" => await RoleAsync(cli, RoleChange.Revoke, output, cancel.Token),
                _ => throw new UsageException($"Unknown command '{cli.Command}'."),
            };
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync("error: " + ex.Message);
            await error.WriteLineAsync("run 'enclave-audit help' for usage");
            return Usage;
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or SecretUnavailableException or HttpRequestException
                                       or IOException or InvalidDataException or OperationCanceledException)
        {
            await error.WriteLineAsync($"failed: {ex.GetType().Name}: {ex.Message}");
            return Failed;
        }
    }

    private async Task<int> QueryAsync(CliArgs cli, TextWriter output, bool verifyOnly, CancellationToken cancellationToken)
    {
        var format = cli.Get("format") ?? "table";
        if (!RecordWriter.IsKnown(format))
        {
            throw new UsageException("--format must be table, csv or jsonl.");
        }

        var filters = Filters(cli);
        var key = await AuditKeyAsync(cli, cancellationToken);
        using var dynamo = Dynamo(cli);
        var queries = new AccessRecordQueries(dynamo, Table(cli), Layout(cli));
        var writer = new RecordWriter(output, format);
        var (count, altered) = (0, 0);
        foreach (var filter in filters)
        {
            Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>? startKey = null;
            do
            {
                var page = await queries.QueryAsync(filter, 1000, startKey, cancellationToken);
                foreach (var record in page.Items)
                {
                    var verified = record.Verify(key);
                    count++;
                    if (!verified)
                    {
                        altered++;
                        if (verifyOnly)
                        {
                            await output.WriteLineAsync($"ALTERED record {record.Record.RecordId} ({record.Record.Action}, {record.Record.Time:O})");
                        }
                    }

                    if (!verifyOnly)
                    {
                        writer.Write(record, verified);
                    }
                }

                startKey = page.NextKey;
            }
            while (startKey is not null);
        }

        writer.Finish();
        if (verifyOnly)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"checked {count} records: {altered} altered"));
        }

        return altered > 0 ? Tampered : Ok;
    }

    private async Task<int> VerifyAsync(CliArgs cli, TextWriter output, CancellationToken cancellationToken)
    {
        if (cli.Get("day") is null || cli.Get("actor") is not null || cli.Get("session") is not null || cli.Get("subject") is not null ||
            cli.Get("outcome") is not null)
        {
            return await QueryAsync(cli, output, verifyOnly: true, cancellationToken);
        }

        var day = Day(cli.Require("day"));
        var key = await AuditKeyAsync(cli, cancellationToken);
        using var dynamo = Dynamo(cli);
        var result = await Digests(cli, dynamo, key).VerifyDayAsync(day, cancellationToken);
        foreach (var problem in result.Problems)
        {
            await output.WriteLineAsync("TAMPERED " + problem);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"day {day:yyyy-MM-dd}: {result.Windows} closed windows, {result.Records} records, {result.Problems.Count} problems " +
            $"({result.Queries} queries, {result.ReadUnits:0.#} read units)"));
        return result.Intact ? Ok : Tampered;
    }

    private async Task<int> DigestAsync(CliArgs cli, TextWriter output, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        DateOnly[] days = cli.Get("day") is { } text ? [Day(text)] : [today.AddDays(-1), today];
        var key = await AuditKeyAsync(cli, cancellationToken);
        using var dynamo = Dynamo(cli);
        var digests = Digests(cli, dynamo, key);
        foreach (var day in days)
        {
            var s = await digests.SealDayAsync(day, cancellationToken);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"day {day:yyyy-MM-dd}: closed windows={s.ClosedWindows} sealed now={s.Written} sealed before={s.AlreadySealed} " +
                $"records={s.Records} queries={s.Queries} readUnits={s.ReadUnits:0.#} elapsedMs={s.Elapsed.TotalMilliseconds:0}"));
        }

        return Ok;
    }

    private async Task<int> RoleAsync(CliArgs cli, RoleChange change, TextWriter output, CancellationToken cancellationToken)
    {
        var role = cli.Require("role");
        if (!RoleGrants.Roles.Contains(role))
        {
            throw new UsageException("--role must be auditor or admin.");
        }

        var userId = cli.Require("user-id");
        var confirmed = cli.Get("confirm") switch
        {
            null => false,
            "yes" => true,
            _ => throw new UsageException("--confirm takes only 'yes'."),
        };
        var identityTable = cli.Require("identity-table");
        var operatorName = cli.Get("operator") ?? await CallerIdentityAsync(cli, cancellationToken);
        if (operatorName.Length is 0 or > 200 || operatorName.Any(char.IsControl))
        {
            throw new UsageException("--operator must be a short printable name.");
        }

        var key = await AuditKeyAsync(cli, cancellationToken);
        using var dynamo = Dynamo(cli);
        var grants = new RoleGrants(dynamo, identityTable, Table(cli), key, clock, Layout(cli));
        try
        {
            var account = await grants.DescribeAsync(userId, cancellationToken) ?? throw new UsageException("No account has that user id.");
            await output.WriteLineAsync(account.ToString());
            if (change == RoleChange.Grant && account.VerifiedAt is null)
            {
                throw new UsageException("Refused: roles are granted only to accounts whose email is verified.");
            }

            if (!confirmed)
            {
                await output.WriteLineAsync($"Nothing changed. Check the account above, then run again with --confirm yes to {(change == RoleChange.Grant ? "grant" : "revoke")} {role}.");
                return Usage;
            }

            switch (await grants.ChangeAsync(change, userId, role, operatorName, cancellationToken))
            {
                case RoleChangeResult.Done done:
                    await output.WriteLineAsync($"{(change == RoleChange.Grant ? "granted" : "revoked")} {role} " +
                                                $"{(change == RoleChange.Grant ? "to" : "from")} user {done.UserId}; access record {done.RecordId}");
                    return Ok;
                case RoleChangeResult.Unverified:
                    throw new UsageException("Refused: roles are granted only to accounts whose email is verified.");
                default:
                    throw new UsageException("No account has that user id.");
            }
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message, ex);
        }
    }

    /// <summary>Who the operator is, from their AWS credentials, so the record names a real principal.</summary>
    private static async Task<string> CallerIdentityAsync(CliArgs cli, CancellationToken cancellationToken)
    {
        if (cli.Get("endpoint-url") is not null)
        {
            throw new UsageException("With --endpoint-url (no STS), give --operator NAME.");
        }

        using var sts = new AmazonSecurityTokenServiceClient(Config(new AmazonSecurityTokenServiceConfig(), cli, null));
        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken);
        return identity.Arn;
    }

    private static List<AccessRecordFilter> Filters(CliArgs cli)
    {
        var actor = cli.Get("actor");
        var session = cli.Get("session");
        var subject = cli.Get("subject");
        var from = Time(cli.Get("from"), "from");
        var to = Time(cli.Get("to"), "to");
        AccessOutcome? outcome = null;
        if (cli.Get("outcome") is { } text)
        {
            outcome = AccessRecordItem.TryParseOutcome(text, out var parsed)
                ? parsed
                : throw new UsageException("--outcome must be allowed, denied, not-found or error.");
        }

        var day = cli.Get("day") is { } dayText ? Day(dayText) : (DateOnly?)null;
        if ((actor is not null ? 1 : 0) + (session is not null ? 1 : 0) + (subject is not null ? 1 : 0) + (day is not null ? 1 : 0) > 1)
        {
            throw new UsageException("Give one of --actor, --session, --subject and --day.");
        }

        if (actor is not null || session is not null || subject is not null)
        {
            return [new AccessRecordFilter(actor, session, null, from, to, outcome, subject)];
        }

        if (day is { } d)
        {
            return [new AccessRecordFilter(Day: d, From: from, To: to, Outcome: outcome)];
        }

        if (from is null || to is null || from > to)
        {
            throw new UsageException("Give --actor, --session, --day, or a time range --from T --to T.");
        }

        // A time range crosses day partitions: one Query (per page) for each day, newest day first.
        var days = new List<AccessRecordFilter>();
        for (var date = DateOnly.FromDateTime(to.Value.UtcDateTime); date >= DateOnly.FromDateTime(from.Value.UtcDateTime); date = date.AddDays(-1))
        {
            days.Add(new AccessRecordFilter(Day: date, From: from, To: to, Outcome: outcome));
        }

        return days.Count <= 366 ? days : throw new UsageException("A time range spans at most 366 days.");
    }

    private AccessRecordDigests Digests(CliArgs cli, IAmazonDynamoDB dynamo, SigningKey key) => new(
        dynamo, Table(cli), key, clock,
        TimeSpan.FromMinutes(cli.GetInt("window-minutes", (int)AccessRecordDigests.DefaultWindow.TotalMinutes, 1, 1440) is var w && 1440 % w == 0
            ? w
            : throw new UsageException("--window-minutes must divide 1440 (a day).")),
        TimeSpan.FromMinutes(cli.GetInt("grace-minutes", (int)AccessRecordDigests.DefaultGrace.TotalMinutes, 0, 1440)),
        Layout(cli));

    private static AccessRecordLayout Layout(CliArgs cli) => new(
        cli.GetInt("shards", AccessRecordLayout.DefaultShards, 1, AccessRecordLayout.MaxShards),
        cli.Get("unsharded-through") is { } day ? Day(day) : null);

    private static string Table(CliArgs cli) => cli.Get("table") ?? "enclave-audit";

    private IAmazonDynamoDB Dynamo(CliArgs cli) =>
        dynamoFactory?.Invoke(cli.Get("endpoint-url")) ??
        new AmazonDynamoDBClient(Config(new AmazonDynamoDBConfig(), cli, cli.Get("endpoint-url")));

    private static T Config<T>(T config, CliArgs cli, string? endpoint)
        where T : ClientConfig
    {
        var region = cli.Get("region");
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? RegionEndpoint.USEast1.SystemName;
        }
        else if (region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return config;
    }

    /// <summary>The same key material the API signs with: Secrets Manager in AWS, the generated file locally.</summary>
    private static async Task<SigningKey> AuditKeyAsync(CliArgs cli, CancellationToken cancellationToken)
    {
        string value;
        if (cli.Get("key-file") is { } path)
        {
            if (cli.Get("key-secret") is not null)
            {
                throw new UsageException("Give --key-secret or --key-file, not both.");
            }

            value = await new LocalFileSecretSource(path).GetAsync(cli.Get("key-name") ?? SigningKeys.LocalAuditKeyName, cancellationToken);
        }
        else if (cli.Get("key-secret") is { } secret)
        {
            using var ssm = new AmazonSimpleSystemsManagementClient(Config(new AmazonSimpleSystemsManagementConfig(), cli, null));
            value = await new SsmSecretSource(ssm).GetAsync(secret, cancellationToken);
        }
        else
        {
            throw new UsageException("Give the audit key: --key-secret NAME or --key-file PATH.");
        }

        return value.Length < SigningKeys.MinimumKeyLength
            ? throw new SecretUnavailableException("The audit key is too short.")
            : new SigningKey(System.Text.Encoding.UTF8.GetBytes(value));
    }

    private static DateOnly Day(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw new UsageException("Days are YYYY-MM-DD.");

    private static DateTimeOffset? Time(string? text, string name)
    {
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new UsageException($"--{name} must be an ISO-8601 UTC time such as 2026-01-31T12:00:00Z.");
    }
}
