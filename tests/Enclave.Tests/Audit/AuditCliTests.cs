using System.Diagnostics;
using System.Globalization;

using Amazon.DynamoDBv2.Model;

using Enclave.AuditCli;
using Enclave.Core.Audit;
using Enclave.Core.Ids;
using Enclave.Core.Storage;
using Enclave.Tests.Infrastructure;

using Xunit.Abstractions;

namespace Enclave.Tests.Audit;

/// <summary>enclave-audit run in-process against DynamoDB Local: queries, formats, verify, digests, roles.</summary>
public sealed class AuditCliTests(ApiFixture fixture, ITestOutputHelper log) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Query_by_actor_session_and_day_is_one_Query_each_in_every_format()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("cli");
        var counter = new CountingHttpClientFactory();

        var (exit, csv) = await fixture.CliAsync(null, counter, "query", "--actor", client.UserId!, "--format", "csv");
        Assert.Equal(AuditCommand.Ok, exit);
        Assert.Equal(["DynamoDB_20120810.Query"], counter.Calls);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("time,actor,action,outcome", lines[0], StringComparison.Ordinal);
        Assert.Equal(2, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.EndsWith(",true", l.TrimEnd(), StringComparison.Ordinal));

        counter.Reset();
        (exit, var jsonl) = await fixture.CliAsync(null, counter, "query", "--session", session, "--format", "jsonl");
        Assert.Equal(AuditCommand.Ok, exit);
        Assert.Equal(["DynamoDB_20120810.Query"], counter.Calls);
        var record = System.Text.Json.JsonDocument.Parse(jsonl.Split('\n')[0]).RootElement;
        Assert.Equal("session.create", record.GetProperty("action").GetString());
        Assert.True(record.GetProperty("verified").GetBoolean());

        // The day comes from the record's own time, so the test holds when it runs across midnight UTC.
        counter.Reset();
        var day = record.GetProperty("time").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        (exit, var table) = await fixture.CliAsync(null, counter, "query", "--day", day, "--outcome", "allowed");
        Assert.Equal(AuditCommand.Ok, exit);
        Assert.Equal(Enumerable.Repeat("DynamoDB_20120810.Query", ApiProcess.AuditLayout.Shards), counter.Calls);
        Assert.Contains("session.create", table, StringComparison.Ordinal);
        Assert.Contains("recordId", table.Split('\n')[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_usage_exits_1_with_a_message()
    {
        Assert.Equal(AuditCommand.Usage, (await fixture.CliAsync(null, null, "query")).Exit);
        Assert.Equal(AuditCommand.Usage, (await fixture.CliAsync(null, null, "query", "--actor", "a", "--session", "b")).Exit);
        Assert.Equal(AuditCommand.Usage, (await fixture.CliAsync(null, null, "query", "--actor", "a", "--format", "xml")).Exit);
        Assert.Equal(AuditCommand.Usage, (await fixture.CliAsync(null, null, "frobnicate")).Exit);
        var (exit, output) = await fixture.CliAsync(null, null, "grant", "--user-id", Core.Ids.EntityId.New().Value, "--role", "root", "--identity-table", "t", "--operator", "o");
        Assert.Equal(AuditCommand.Usage, exit);
        Assert.Contains("--role", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_take_equals_form_and_verify_prints_only_its_findings()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        await client.CreateSessionAsync("equals form");

        var (exit, output) = await fixture.CliAsync(null, null, "verify", "--actor=" + client.UserId, "--window-minutes=30");
        Assert.Equal(AuditCommand.Ok, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^checked [1-9][0-9]* records: 0 altered$", line.TrimEnd());
    }

    [Fact]
    public async Task A_usage_error_is_printed_once_and_names_the_commands_help()
    {
        var (exit, output) = await fixture.CliAsync(null, null, "grant", "--user-id", "not-an-id", "--role", "auditor",
            "--identity-table", fixture.Storage.IdentityTable, "--operator", "alice");
        Assert.Equal(AuditCommand.Usage, exit);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(output, "Not a user id"));
        Assert.Contains("run 'enclave-audit grant --help' for usage", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_AWS_call_prints_a_plain_sentence_and_exits_3()
    {
        // A port that was free a moment ago: nothing answers there, so the SDK's own connection fails.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        using var output = new StringWriter();
        var exit = await new AuditCommand(TimeProvider.System).RunAsync(
            ["query", "--actor", EntityId.New().Value, "--key-file", fixture.KeyFile(), "--endpoint-url", $"http://127.0.0.1:{port}"], output);
        log.WriteLine(output.ToString());
        Assert.Equal(AuditCommand.Failed, exit);
        Assert.StartsWith("failed: could not call AWS: ", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\w+Exception\b", output.ToString());
    }

    [Fact]
    public async Task An_altered_record_makes_verify_exit_non_zero_and_names_it()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        await client.CreateSessionAsync("to be altered");
        Assert.Equal(AuditCommand.Ok, (await fixture.CliAsync(null, null, "verify", "--actor", client.UserId!)).Exit);

        var victim = (await fixture.Records().ByActorAsync(client.UserId!, null, null, 10, null, CancellationToken.None)).Items
            .Single(r => r.Record.Action == "session.create");
        await fixture.Dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = fixture.Storage.AuditTable,
            Key = Attr.Key(AccessRecordLayout.ActorPrefix + client.UserId, Attr.Iso(victim.Record.Time) + "#" + victim.Record.RecordId),
            UpdateExpression = "SET outcome = :o",
            ExpressionAttributeValues = new() { [":o"] = Attr.S("denied") },
        });

        var (exit, output) = await fixture.CliAsync(null, null, "verify", "--actor", client.UserId!);
        Assert.Equal(AuditCommand.Tampered, exit);
        Assert.Contains("ALTERED record " + victim.Record.RecordId, output, StringComparison.Ordinal);
        Assert.Contains("1 altered", output, StringComparison.Ordinal);
        var (_, csv) = await fixture.CliAsync(null, null, "query", "--actor", client.UserId!, "--format", "csv");
        Assert.Contains(csv.Split('\n'), l => l.Contains(victim.Record.RecordId, StringComparison.Ordinal) && l.TrimEnd().EndsWith(",false", StringComparison.Ordinal));
    }

    /// <summary>
    /// Deletion detection, measured: N records on a past day, sealed by the digest job, then one removed,
    /// one added and one digest deleted. Prints the job's time, queries and read units for N records.
    /// </summary>
    [Fact]
    public async Task Digests_detect_a_removed_record_an_added_record_and_a_deleted_digest_and_print_their_cost()
    {
        const int n = 2000;
        var day = new DateOnly(2020, 2, 29);
        var key = await fixture.AuditKeyAsync();
        var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var items = Enumerable.Range(0, n).Select(i => AccessRecordItem.ToItem(
            new AccessRecord(EntityId.New().Value, start.AddSeconds(i * 86400.0 / n), EntityId.New().Value, EntityId.New().Value, "session.read",
                AccessOutcome.Allowed, null, EntityId.New().Value, null, null, "127.0.0.1", "bench"), key, ApiProcess.AuditLayout)).ToList();
        foreach (var batch in items.Chunk(25))
        {
            await fixture.Dynamo.BatchWriteItemAsync(new BatchWriteItemRequest
            {
                RequestItems = new() { [fixture.Storage.AuditTable] = [.. batch.Select(i => new WriteRequest { PutRequest = new PutRequest { Item = i } })] },
            });
        }

        var clock = new FixedClock(start.AddDays(1).AddHours(1));
        var counter = new CountingHttpClientFactory();
        var watch = Stopwatch.StartNew();
        var (exit, sealedOutput) = await fixture.CliAsync(clock, counter, "digest", "--day", "2020-02-29");
        watch.Stop();
        Assert.Equal(AuditCommand.Ok, exit);
        log.WriteLine($"digest of {n} records in 24 hourly windows: {watch.ElapsedMilliseconds} ms, calls: " +
                      string.Join(", ", counter.Calls.GroupBy(c => c).Select(g => $"{g.Key} x{g.Count()}")));
        log.WriteLine(sealedOutput);
        Assert.Contains($"records={n}", sealedOutput, StringComparison.Ordinal);
        Assert.Contains("sealed now=24", sealedOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(counter.Calls, c => c.Contains("Scan", StringComparison.Ordinal));

        // Sealing again changes nothing: a digest is never rewritten.
        Assert.Contains("sealed before=24", (await fixture.CliAsync(clock, null, "digest", "--day", "2020-02-29")).Output, StringComparison.Ordinal);
        var (clean, cleanOutput) = await fixture.CliAsync(clock, null, "verify", "--day", "2020-02-29");
        log.WriteLine(cleanOutput);
        Assert.Equal(AuditCommand.Ok, clean);

        // Remove one record (its signature was fine: only the digest can notice).
        var removed = items[700];
        await fixture.Dynamo.DeleteItemAsync(fixture.Storage.AuditTable, new() { [Attr.Pk] = removed[Attr.Pk], [Attr.Sk] = removed[Attr.Sk] });
        var (exit1, output1) = await fixture.CliAsync(clock, null, "verify", "--day", "2020-02-29");
        Assert.Equal(AuditCommand.Tampered, exit1);
        Assert.Contains($"record {removed["recordId"].S} is missing", output1, StringComparison.Ordinal);

        // A validly signed record inserted into a sealed window (e.g. replayed from a backup) is also found.
        var added = AccessRecordItem.ToItem(new AccessRecord(EntityId.New().Value, start.AddHours(3), EntityId.New().Value, null, "auth.login",
            AccessOutcome.Denied, null, null, null, null, "127.0.0.1", "bench"), key, ApiProcess.AuditLayout);
        await fixture.Dynamo.PutItemAsync(fixture.Storage.AuditTable, added);
        var (_, output2) = await fixture.CliAsync(clock, null, "verify", "--day", "2020-02-29");
        Assert.Contains($"record {added["recordId"].S} was added", output2, StringComparison.Ordinal);

        // Deleting the digest itself is visible too.
        await fixture.Dynamo.DeleteItemAsync(fixture.Storage.AuditTable,
            new() { [Attr.Pk] = Attr.S("DIGEST#2020-02-29"), [Attr.Sk] = Attr.S(Attr.Iso(start.AddHours(10))) });
        var (exit3, output3) = await fixture.CliAsync(clock, null, "verify", "--day", "2020-02-29");
        Assert.Equal(AuditCommand.Tampered, exit3);
        Assert.Contains($"window {Attr.Iso(start.AddHours(10))}: no digest", output3, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grant_and_revoke_show_the_account_change_nothing_unconfirmed_and_each_leaves_a_verified_record()
    {
        using var user = fixture.Client();
        await user.RegisterAndSignInAsync();
        string[] roleArgs = ["--user-id", user.UserId!, "--role", "auditor", "--identity-table", fixture.Storage.IdentityTable, "--operator", "alice"];

        Assert.DoesNotContain("auditor", await RolesAsync(user));
        var (exit, output) = await fixture.CliAsync(null, null, ["grant", .. roleArgs]);
        Assert.Equal(AuditCommand.Usage, exit);
        Assert.Contains($"email {user.Email}", output, StringComparison.Ordinal);
        Assert.Contains("created 20", output, StringComparison.Ordinal);
        Assert.Contains("email verified 20", output, StringComparison.Ordinal);
        Assert.Contains("Nothing changed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("auditor", await RolesAsync(user));

        (exit, output) = await fixture.CliAsync(null, null, ["grant", .. roleArgs, "--confirm", "yes"]);
        Assert.Equal(AuditCommand.Ok, exit);
        Assert.Contains(user.UserId!, output, StringComparison.Ordinal);
        Assert.Contains("auditor", await RolesAsync(user));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await user.GetAsync("/api/audit?actor=" + user.UserId)).StatusCode);

        (exit, _) = await fixture.CliAsync(null, null, ["revoke", .. roleArgs, "--confirm", "yes"]);
        Assert.Equal(AuditCommand.Ok, exit);
        Assert.DoesNotContain("auditor", await RolesAsync(user));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await user.GetAsync("/api/audit?actor=" + user.UserId)).StatusCode);

        var key = await fixture.AuditKeyAsync();
        var records = (await fixture.Records().ByActorAsync("operator:alice", null, null, 10, null, CancellationToken.None)).Items;
        Assert.Equal(["role.grant", "role.revoke"], records.Select(r => r.Record.Action).Order());
        Assert.All(records, r =>
        {
            Assert.True(r.Verify(key));
            Assert.Equal(user.UserId, r.Record.SubjectUserId);
            Assert.Equal("role=auditor", r.Record.Reason);
        });

        var unknown = await fixture.CliAsync(null, null, "grant", "--user-id", Core.Ids.EntityId.New().Value, "--role", "admin",
            "--identity-table", fixture.Storage.IdentityTable, "--operator", "alice", "--confirm", "yes");
        Assert.Equal(AuditCommand.Usage, unknown.Exit);
    }

    [Fact]
    public async Task Grant_refuses_an_account_whose_email_is_not_verified_even_when_confirmed()
    {
        using var client = fixture.Client();
        var email = ApiClient.NewEmail();
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await client.PostAsync("/api/auth/register", new { email, password = ApiClient.Password })).StatusCode);
        await fixture.Api.Mailbox.WaitForAsync(email);
        var userId = (await fixture.Dynamo.GetItemAsync(fixture.Storage.IdentityTable, Attr.Key("EMAIL#" + email, "EMAIL"))).Item.GetS("userId")!;

        var (exit, output) = await fixture.CliAsync(null, null, "grant", "--user-id", userId, "--role", "auditor",
            "--identity-table", fixture.Storage.IdentityTable, "--operator", "alice", "--confirm", "yes");
        Assert.Equal(AuditCommand.Usage, exit);
        Assert.Contains("email NOT verified", output, StringComparison.Ordinal);
        Assert.Contains("only to accounts whose email is verified", output, StringComparison.Ordinal);
        var account = (await fixture.Dynamo.GetItemAsync(fixture.Storage.IdentityTable, Attr.Key("ACCOUNT#" + userId, "ACCOUNT"))).Item;
        Assert.False(account.ContainsKey("roles"));
        Assert.DoesNotContain(
            (await fixture.Records().ByActorAsync("operator:alice", null, null, 10, null, CancellationToken.None)).Items, r => r.Record.SubjectUserId == userId);
    }

    private static async Task<List<string>> RolesAsync(ApiClient user)
    {
        var me = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>((await user.GetAsync("/api/me")).Content);
        return [.. me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!)];
    }
}
