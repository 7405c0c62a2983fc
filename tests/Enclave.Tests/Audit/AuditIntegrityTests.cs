using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Amazon.DynamoDBv2.Model;

using Enclave.AuditCli;
using Enclave.Core.Audit;
using Enclave.Core.Ids;
using Enclave.Core.Storage;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Audit;

/// <summary>
/// Issue 12.4: a record's MAC covers the keys it is indexed under, a record that cannot be parsed counts
/// as altered (never a crash or a 500), a refused request is recorded with its real outcome and one request
/// writes one record per action.
/// </summary>
public sealed class AuditIntegrityTests(ProcessorFixture fixture) : IClassFixture<ProcessorFixture>
{
    [Fact]
    public async Task A_record_moved_out_of_its_session_or_day_index_no_longer_verifies()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("moved");
        var other = await client.CreateSessionAsync("other");
        var key = await fixture.AuditKeyAsync();
        var created = (await fixture.Records().BySessionAsync(session, null, null, 10, null, CancellationToken.None)).Items
            .Single(r => r.Record.Action == "session.create");
        Assert.True(created.Verify(key));

        // Every signed field unchanged; only the index keys moved: into another session, then to another day shard.
        var itemKey = Attr.Key(created.Keys.Actor, created.Keys.SortKey);
        await SetAsync(itemKey, TableSchemas.BySessionPk, AccessRecordLayout.SessionPartition(other));
        var moved = (await fixture.Records().BySessionAsync(other, null, null, 10, null, CancellationToken.None)).Items
            .Single(r => r.Record.RecordId == created.Record.RecordId);
        Assert.False(moved.Verify(key));
        await SetAsync(itemKey, TableSchemas.BySessionPk, AccessRecordLayout.SessionPartition(session));
        Assert.True((await fixture.Records().BySessionAsync(session, null, null, 10, null, CancellationToken.None)).Items
            .Single(r => r.Record.RecordId == created.Record.RecordId).Verify(key));

        var day = DateOnly.FromDateTime(created.Record.Time.UtcDateTime);
        var otherShard = ApiProcess.AuditLayout.DayPartitions(day).First(p => p != created.Keys.Day);
        await SetAsync(itemKey, TableSchemas.ByDayPk, otherShard);
        var (exit, output) = await fixture.CliAsync(null, null, "verify", "--actor", client.UserId!);
        Assert.Equal(AuditCommand.Tampered, exit);
        Assert.Contains("ALTERED record " + created.Record.RecordId, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mac", "not-hex-at-all")]
    [InlineData("time", "yesterday")]
    [InlineData("requestId", null)]
    [InlineData("outcome", "maybe")]
    public async Task A_record_that_cannot_be_parsed_is_altered_for_verify_and_unverified_for_the_audit_route(string attribute, string? value)
    {
        using var auditor = fixture.Client();
        await auditor.RegisterAndSignInAsync();
        await fixture.GrantAsync(auditor.UserId!, "auditor");
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        await client.CreateSessionAsync("broken");
        var victim = (await fixture.Records().ByActorAsync(client.UserId!, null, null, 10, null, CancellationToken.None)).Items
            .Single(r => r.Record.Action == "session.create");
        var itemKey = Attr.Key(victim.Keys.Actor, victim.Keys.SortKey);
        if (value is null)
        {
            await fixture.Dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = fixture.Storage.AuditTable,
                Key = itemKey,
                UpdateExpression = "REMOVE #a",
                ExpressionAttributeNames = new() { ["#a"] = attribute },
            });
        }
        else
        {
            await SetAsync(itemKey, attribute, value);
        }

        var (exit, output) = await fixture.CliAsync(null, null, "verify", "--actor", client.UserId!);
        Assert.Equal(AuditCommand.Tampered, exit);
        Assert.Contains("1 altered", output, StringComparison.Ordinal);

        var response = await auditor.GetAsync($"/api/audit?actor={client.UserId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(items, i => i.GetProperty("recordId").GetString() == victim.Record.RecordId && !i.GetProperty("verified").GetBoolean());
        Assert.Single(items, i => !i.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task Refused_uploads_are_recorded_as_denied_and_a_completed_upload_has_one_complete_record()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("outcomes");
        var content = "a,b\n1,2\n"u8.ToArray();
        var created = await client.CreateUploadAsync(session, "t.csv", "text/csv", content.Length);
        var uploadId = created.GetProperty("uploadId").GetString()!;
        var uploadPath = $"/api/sessions/{session}/uploads/{uploadId}";

        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync(uploadPath + "/complete")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.GetAsync(uploadPath + "/profile")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(HttpMethod.Patch, $"/api/sessions/{session}", new { name = "" })).StatusCode);
        Assert.True((await UploadHelpers.PostFormAsync(created, content, "text/csv")).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(uploadPath + "/complete")).StatusCode);

        var records = (await fixture.Records().BySessionAsync(session, null, null, 100, null, CancellationToken.None)).Items
            .Select(r => r.Record).ToList();
        var forUpload = records.Where(r => r.UploadId == uploadId).OrderBy(r => r.Time).ToList();
        Assert.Equal(
            [("upload.create", AccessOutcome.Allowed, null), ("upload.complete", AccessOutcome.Denied, "not-arrived"),
             ("upload.profile", AccessOutcome.Denied, "status-pending"), ("upload.complete", AccessOutcome.Allowed, null)],
            forUpload.Where(r => r.Action != "upload.process").Select(r => (r.Action, r.Outcome, r.Reason)).ToList());
        Assert.Single(records, r => r.Action == "session.rename" && r.Outcome == AccessOutcome.Denied && r.Reason == "invalid-input");
    }

    [Fact]
    public async Task The_scheduled_digest_run_seals_todays_closed_windows_so_verify_day_passes_on_a_fresh_deployment()
    {
        // Only windows already due count: one that closed after the processor's last run is sealed by its next one,
        // up to one period later, and verify does not ask for it before then (the window-edge case of issue 11).
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var due = new AccessRecordDigests(fixture.Dynamo, fixture.Storage.AuditTable, await fixture.AuditKeyAsync(), TimeProvider.System,
                AccessRecordDigests.DefaultWindow, AccessRecordDigests.DefaultGrace, ApiProcess.AuditLayout).ClosedWindows(today)
            .Count(w => w.End + AccessRecordDigests.DefaultGrace + AuditDigestJob.Period <= DateTimeOffset.UtcNow);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        int sealedWindows;
        while ((sealedWindows = await DigestCountAsync(today)) < due && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(sealedWindows >= due, $"{sealedWindows} of {due} due windows sealed");
        var (exit, output) = await fixture.CliAsync(null, null, "verify", "--day", today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Assert.True(exit == AuditCommand.Ok, output);
    }

    private async Task<int> DigestCountAsync(DateOnly day) => (await fixture.Dynamo.QueryAsync(new QueryRequest
    {
        TableName = fixture.Storage.AuditTable,
        KeyConditionExpression = "pk = :pk",
        ExpressionAttributeValues = new() { [":pk"] = Attr.S(AccessRecordDigests.DigestPrefix + AccessRecordLayout.DayText(day)) },
        ConsistentRead = true,
        Select = Amazon.DynamoDBv2.Select.COUNT,
    })).Count ?? 0;

    private async Task SetAsync(Dictionary<string, AttributeValue> key, string attribute, string value) =>
        await fixture.Dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = fixture.Storage.AuditTable,
            Key = key,
            UpdateExpression = "SET #a = :v",
            ExpressionAttributeNames = new() { ["#a"] = attribute },
            ExpressionAttributeValues = new() { [":v"] = Attr.S(value) },
        });
}
