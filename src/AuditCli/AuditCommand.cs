using System.CommandLine;
using System.CommandLine.Help;
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

    private const string CommandName = "enclave-audit";

    private const string Description = """
        Query and verify Enclave access records straight in DynamoDB, seal digests, grant and revoke roles.
        Uses your own AWS credentials; times are ISO-8601 UTC, e.g. 2026-01-31T12:00:00Z.
        Exit codes: 0 fine, 1 usage, 2 tampering found, 3 could not complete.
        """;

    public async Task<int> RunAsync(string[] args, TextWriter output, TextWriter? error = null)
    {
        error ??= output;
        var options = new AuditOptions();
        var parsed = Commands(options).Parse(args is ["help", .. var rest] ? [.. rest, "--help"] : args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                await error.WriteLineAsync("error: " + problem.Message);
            }

            await error.WriteLineAsync($"run '{HelpCommand(parsed)} --help' for usage");
            return Usage;
        }

        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false },
                cancel.Token);
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync("error: " + ex.Message);
            await error.WriteLineAsync($"run '{HelpCommand(parsed)} --help' for usage");
            return Usage;
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or SecretUnavailableException or HttpRequestException
                                       or IOException or InvalidDataException or OperationCanceledException)
        {
            await error.WriteLineAsync("failed: " + Explain(ex));
            return Failed;
        }
    }

    private Command Commands(AuditOptions o)
    {
        var query = new Command("query", "Print the selected records, each with its HMAC checked.");
        query.SetAction((r, ct) => QueryAsync(r, o, verifyOnly: false, ct));
        var verify = new Command("verify",
            "Check the HMAC of every selected record; with --day alone, also the day's signed digests, so removed and added records are found too.");
        verify.SetAction((r, ct) => VerifyAsync(r, o, ct));
        var digest = new Command("digest", "Seal the closed windows of a day (default: yesterday and today).") { o.Day };
        digest.SetAction((r, ct) => DigestAsync(r, o, ct));
        var grant = new Command("grant",
            "Grant a role to an account whose email is verified. Shows the account first and changes nothing without --confirm yes.");
        grant.SetAction((r, ct) => RoleAsync(r, o, RoleChange.Grant, ct));
        var revoke = new Command("revoke", "Revoke a role. Shows the account first and changes nothing without --confirm yes.");
        revoke.SetAction((r, ct) => RoleAsync(r, o, RoleChange.Revoke, ct));

        Add(query, [.. o.Selection, o.Format]);
        Add(verify, [.. o.Selection, .. o.Windows]);
        Add(digest, o.Windows);
        Add(grant, o.RoleChange);
        Add(revoke, o.RoleChange);
        foreach (var command in new[] { query, verify, digest, grant, revoke })
        {
            Add(command, o.Common);
        }

        // A plain Command rather than RootCommand, so help says "enclave-audit" and not the host process's name.
        var root = new Command(CommandName, Description) { query, verify, digest, grant, revoke, new HelpOption(), new VersionOption() };
        root.SetAction(r =>
        {
            new HelpAction().Invoke(r);
            return Usage;
        });
        return root;
    }

    private static void Add(Command command, IEnumerable<Option> options)
    {
        foreach (var option in options)
        {
            command.Options.Add(option);
        }
    }

    private static string HelpCommand(ParseResult parsed) =>
        parsed.CommandResult.Command.Name == CommandName ? CommandName : CommandName + " " + parsed.CommandResult.Command.Name;

    /// <summary>A sentence for the operator: what could not be done and the service's own words, never an exception type.</summary>
    private static string Explain(Exception ex) => ex switch
    {
        AmazonServiceException aws => $"AWS refused the request ({aws.ErrorCode ?? aws.StatusCode.ToString()}): {aws.Message}",
        AmazonClientException or HttpRequestException => $"could not call AWS: {ex.Message}",
        SecretUnavailableException => $"could not read the audit key: {ex.Message}",
        OperationCanceledException => "stopped before it could finish (cancelled or over 30 minutes).",
        _ => $"could not read the data: {ex.Message}",
    };

    private async Task<int> QueryAsync(ParseResult r, AuditOptions o, bool verifyOnly, CancellationToken cancellationToken)
    {
        var output = r.InvocationConfiguration.Output;
        var filters = Filters(r, o);
        var key = await AuditKeyAsync(r, o, cancellationToken);
        using var dynamo = Dynamo(r, o);
        var queries = new AccessRecordQueries(dynamo, r.GetRequiredValue(o.Table), Layout(r, o));
        var writer = verifyOnly ? null : new RecordWriter(output, r.GetRequiredValue(o.Format));
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
                    altered += verified ? 0 : 1;
                    if (writer is not null)
                    {
                        writer.Write(record, verified);
                    }
                    else if (!verified)
                    {
                        await output.WriteLineAsync($"ALTERED record {record.Record.RecordId} ({record.Record.Action}, {record.Record.Time:O})");
                    }
                }

                startKey = page.NextKey;
            }
            while (startKey is not null);
        }

        if (writer is not null)
        {
            writer.Finish();
        }
        else
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"checked {count} records: {altered} altered"));
        }

        return altered > 0 ? Tampered : Ok;
    }

    private async Task<int> VerifyAsync(ParseResult r, AuditOptions o, CancellationToken cancellationToken)
    {
        if (r.GetValue(o.Day) is not { } day || r.GetValue(o.Actor) is not null || r.GetValue(o.Session) is not null || r.GetValue(o.Subject) is not null ||
            r.GetValue(o.Outcome) is not null)
        {
            return await QueryAsync(r, o, verifyOnly: true, cancellationToken);
        }

        var output = r.InvocationConfiguration.Output;
        var key = await AuditKeyAsync(r, o, cancellationToken);
        using var dynamo = Dynamo(r, o);
        var result = await Digests(r, o, dynamo, key).VerifyDayAsync(day, cancellationToken);
        foreach (var problem in result.Problems)
        {
            await output.WriteLineAsync("TAMPERED " + problem);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"day {day:yyyy-MM-dd}: {result.Windows} closed windows, {result.Records} records, {result.Problems.Count} problems " +
            $"({result.Queries} queries, {result.ReadUnits:0.#} read units)"));
        return result.Intact ? Ok : Tampered;
    }

    private async Task<int> DigestAsync(ParseResult r, AuditOptions o, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        DateOnly[] days = r.GetValue(o.Day) is { } day ? [day] : [today.AddDays(-1), today];
        var key = await AuditKeyAsync(r, o, cancellationToken);
        using var dynamo = Dynamo(r, o);
        var digests = Digests(r, o, dynamo, key);
        foreach (var d in days)
        {
            var s = await digests.SealDayAsync(d, cancellationToken);
            await r.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"day {d:yyyy-MM-dd}: closed windows={s.ClosedWindows} sealed now={s.Written} sealed before={s.AlreadySealed} " +
                $"records={s.Records} queries={s.Queries} readUnits={s.ReadUnits:0.#} elapsedMs={s.Elapsed.TotalMilliseconds:0}"));
        }

        return Ok;
    }

    private async Task<int> RoleAsync(ParseResult r, AuditOptions o, RoleChange change, CancellationToken cancellationToken)
    {
        var output = r.InvocationConfiguration.Output;
        var role = r.GetRequiredValue(o.Role);
        var userId = r.GetRequiredValue(o.UserId);
        var operatorName = r.GetValue(o.Operator) ?? await CallerIdentityAsync(r, o, cancellationToken);
        var key = await AuditKeyAsync(r, o, cancellationToken);
        using var dynamo = Dynamo(r, o);
        var grants = new RoleGrants(dynamo, r.GetRequiredValue(o.IdentityTable), r.GetRequiredValue(o.Table), key, clock, Layout(r, o));
        try
        {
            var account = await grants.DescribeAsync(userId, cancellationToken) ?? throw new UsageException("No account has that user id.");
            await output.WriteLineAsync(account.ToString());
            if (change == RoleChange.Grant && account.VerifiedAt is null)
            {
                throw new UsageException("Refused: roles are granted only to accounts whose email is verified.");
            }

            if (r.GetValue(o.Confirm) is null)
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
    private static async Task<string> CallerIdentityAsync(ParseResult r, AuditOptions o, CancellationToken cancellationToken)
    {
        if (r.GetValue(o.EndpointUrl) is not null)
        {
            throw new UsageException("With --endpoint-url (no STS), give --operator NAME.");
        }

        using var sts = new AmazonSecurityTokenServiceClient(Config(new AmazonSecurityTokenServiceConfig(), r.GetValue(o.Region), null));
        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken);
        return identity.Arn;
    }

    private static List<AccessRecordFilter> Filters(ParseResult r, AuditOptions o)
    {
        var actor = r.GetValue(o.Actor);
        var session = r.GetValue(o.Session);
        var subject = r.GetValue(o.Subject);
        var from = r.GetValue(o.From);
        var to = r.GetValue(o.To);
        var outcome = r.GetValue(o.Outcome);
        var day = r.GetValue(o.Day);
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

    private AccessRecordDigests Digests(ParseResult r, AuditOptions o, IAmazonDynamoDB dynamo, SigningKey key) => new(
        dynamo, r.GetRequiredValue(o.Table), key, clock, TimeSpan.FromMinutes(r.GetValue(o.WindowMinutes)), TimeSpan.FromMinutes(r.GetValue(o.GraceMinutes)),
        Layout(r, o));

    private static AccessRecordLayout Layout(ParseResult r, AuditOptions o) => new(r.GetValue(o.Shards), r.GetValue(o.UnshardedThrough));

    private IAmazonDynamoDB Dynamo(ParseResult r, AuditOptions o)
    {
        var endpoint = r.GetValue(o.EndpointUrl);
        return dynamoFactory?.Invoke(endpoint) ?? new AmazonDynamoDBClient(Config(new AmazonDynamoDBConfig(), r.GetValue(o.Region), endpoint));
    }

    private static T Config<T>(T config, string? region, string? endpoint)
        where T : ClientConfig
    {
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
    private static async Task<SigningKey> AuditKeyAsync(ParseResult r, AuditOptions o, CancellationToken cancellationToken)
    {
        string value;
        if (r.GetValue(o.KeyFile) is { } path)
        {
            if (r.GetValue(o.KeySecret) is not null)
            {
                throw new UsageException("Give --key-secret or --key-file, not both.");
            }

            value = await new LocalFileSecretSource(path).GetAsync(r.GetRequiredValue(o.KeyName), cancellationToken);
        }
        else if (r.GetValue(o.KeySecret) is { } secret)
        {
            using var ssm = new AmazonSimpleSystemsManagementClient(Config(new AmazonSimpleSystemsManagementConfig(), r.GetValue(o.Region), null));
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
}
