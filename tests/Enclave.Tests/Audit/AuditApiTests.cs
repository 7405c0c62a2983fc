using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Audit;

/// <summary>GET /api/audit: auditor role only, one Query per call, strict parameters, signed cursors, audited itself.</summary>
public sealed class AuditApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_non_auditor_gets_exactly_the_missing_route_404_and_anonymous_gets_401()
    {
        using var user = fixture.Client();
        await user.RegisterAndSignInAsync();
        var audit = await user.GetAsync("/api/audit?actor=" + user.UserId);
        var missing = await user.GetAsync("/api/no-such-route?actor=" + user.UserId);
        await Problem.AssertAsync(audit, HttpStatusCode.NotFound);
        Assert.Equal(await Problem.BodyWithoutRequestIdAsync(missing), await Problem.BodyWithoutRequestIdAsync(audit));
        Assert.Equal(missing.Content.Headers.ContentType?.ToString(), audit.Content.Headers.ContentType?.ToString());

        // Bad parameters do not reveal the route either: authorization runs before validation.
        await Problem.AssertAsync(await user.GetAsync("/api/audit?actor=nonsense"), HttpStatusCode.NotFound);
        using var anonymous = fixture.Client();
        await Problem.AssertAsync(await anonymous.GetAsync("/api/audit?actor=" + user.UserId), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Each_access_pattern_is_one_Query_records_verify_and_the_auditors_query_is_recorded()
    {
        using var owner = fixture.Client();
        await owner.RegisterAndSignInAsync();
        var session = await owner.CreateSessionAsync("audited");
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/sessions/{session}")).StatusCode);
        using var auditor = await AuditorAsync();

        var byActor = await auditor.GetAsync("/api/audit?actor=" + owner.UserId);
        var actorBody = await OkBodyAsync(byActor);
        Assert.Equal(["auth.login", "session.create", "session.read"], Actions(actorBody).Order());
        Assert.All(actorBody.GetProperty("items").EnumerateArray(), r => Assert.True(r.GetProperty("verified").GetBoolean()));

        var bySession = await auditor.GetAsync("/api/audit?session=" + session);
        var sessionBody = await OkBodyAsync(bySession);
        Assert.Equal(["session.create", "session.read"], Actions(sessionBody).Order());

        // The day comes from the record's own time, so the test holds when it runs across midnight UTC.
        var readAt = sessionBody.GetProperty("items").EnumerateArray()
            .Single(r => r.GetProperty("action").GetString() == "session.read").GetProperty("time").GetDateTimeOffset().UtcDateTime;
        var byDay = await auditor.GetAsync($"/api/audit?from={readAt:yyyy-MM-ddTHH:mm:ss.fff}Z&to={readAt:yyyy-MM-ddTHH:mm:ss.fff}Z&outcome=allowed");
        var dayItems = (await OkBodyAsync(byDay)).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(dayItems, r => r.GetProperty("action").GetString() == "session.read" && r.GetProperty("sessionId").GetString() == session);
        Assert.All(dayItems, r => Assert.Equal("allowed", r.GetProperty("outcome").GetString()));

        // Per request: the cookie check, one Query (one per shard by day), and the auditor's own record. No Scan, no second read.
        foreach (var response in new[] { byActor, bySession })
        {
            Assert.Equal(3, await AwsCallsAsync(response));
        }

        Assert.Equal(2 + ApiProcess.AuditLayout.Shards, await AwsCallsAsync(byDay));

        var own = await fixture.Records().ByActorAsync(auditor.UserId!, null, null, 100, null, CancellationToken.None);
        var queries = own.Items.Where(r => r.Record.Action == "audit.query").ToList();
        Assert.Equal(3, queries.Count);
        Assert.Contains(queries, r => r.Record.SubjectUserId == owner.UserId);
        Assert.Contains(queries, r => r.Record.SessionId == session);
        Assert.All(queries, r => Assert.Equal(byActor.Headers.GetValues("X-Request-Id").Single().Length, r.Record.RequestId.Length));
    }

    [Fact]
    public async Task Cursor_pages_through_and_a_forged_or_transplanted_cursor_is_refused()
    {
        using var owner = fixture.Client();
        await owner.RegisterAndSignInAsync();
        for (var i = 0; i < 3; i++)
        {
            await owner.CreateSessionAsync("s" + i);
        }

        using var auditor = await AuditorAsync();
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var body = await OkBodyAsync(await auditor.GetAsync($"/api/audit?actor={owner.UserId}&limit=2" + (cursor is null ? "" : "&cursor=" + cursor)));
            seen.AddRange(body.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("recordId").GetString()!));
            cursor = body.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null && seen.Count < 20);
        Assert.Equal(4, seen.Distinct().Count()); // login + three creates, each once

        var first = await OkBodyAsync(await auditor.GetAsync($"/api/audit?actor={owner.UserId}&limit=1"));
        var good = first.GetProperty("nextCursor").GetString()!;
        var dot = good.IndexOf('.', StringComparison.Ordinal);
        var json = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(good.AsSpan(0, dot)));
        var forged = System.Buffers.Text.Base64Url.EncodeToString(
            System.Text.Encoding.UTF8.GetBytes(json.Replace(owner.UserId!, auditor.UserId!, StringComparison.Ordinal))) + good[dot..];
        foreach (var bad in new[] { forged, good[..^2] + "AA", "not-a-cursor", good + "x" })
        {
            var problem = await Problem.AssertAsync(await auditor.GetAsync($"/api/audit?actor={owner.UserId}&limit=1&cursor={bad}"), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("cursor", out _));
        }

        // A valid cursor is bound to its query: replaying it with another filter is refused.
        var moved = await auditor.GetAsync($"/api/audit?actor={owner.UserId}&limit=1&outcome=allowed&cursor={good}");
        await Problem.AssertAsync(moved, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("", "from")]
    [InlineData("?actor=not-an-id", "actor")]
    [InlineData("?session=0190a2b4-0000-7000-8000-00000000000G", "session")]
    [InlineData("?actor=anonymous&session=0190a2b4-0000-7000-8000-000000000000", "session")]
    [InlineData("?subject=anonymous", "subject")]
    [InlineData("?session=0190a2b4-0000-7000-8000-000000000000&subject=0190a2b4-0000-7000-8000-000000000000", "subject")]
    [InlineData("?actor=anonymous&from=2026-01-01T00:00:00%2B01:00", "from")]
    [InlineData("?actor=anonymous&from=2026-01-01", "from")]
    [InlineData("?actor=anonymous&to=yesterday", "to")]
    [InlineData("?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z", "to")]
    [InlineData("?from=2026-01-01T10:00:00Z", "from")]
    [InlineData("?actor=anonymous&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to")]
    [InlineData("?actor=anonymous&outcome=ALLOWED", "outcome")]
    [InlineData("?actor=anonymous&limit=0", "limit")]
    [InlineData("?actor=anonymous&limit=101", "limit")]
    [InlineData("?actor=anonymous&actor=anonymous", "actor")]
    [InlineData("?actor=anonymous&scan=true", "scan")]
    [InlineData("?actor=operator:", "actor")]
    public async Task Bad_parameters_are_a_400_with_field_errors(string query, string field)
    {
        using var auditor = await AuditorAsync();
        var problem = await Problem.AssertAsync(await auditor.GetAsync("/api/audit" + query), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    private async Task<ApiClient> AuditorAsync()
    {
        var auditor = fixture.Client();
        await auditor.RegisterAndSignInAsync();
        await fixture.GrantAsync(auditor.UserId!, "auditor");
        return auditor;
    }

    private static async Task<JsonElement> OkBodyAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static IEnumerable<string> Actions(JsonElement body) =>
        body.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("action").GetString()!);

    private async Task<int> AwsCallsAsync(HttpResponseMessage response)
    {
        var requestId = response.Headers.GetValues("X-Request-Id").Single();
        for (var i = 0; i < 100; i++)
        {
            var line = fixture.Api.Lines.FirstOrDefault(l => l.Contains(requestId, StringComparison.Ordinal) && l.Contains("\"aws_calls\"", StringComparison.Ordinal));
            if (line is not null)
            {
                return JsonDocument.Parse(line).RootElement.GetProperty("aws_calls").GetInt32();
            }

            await Task.Delay(20);
        }

        throw new InvalidOperationException("No completion line for " + requestId);
    }
}
