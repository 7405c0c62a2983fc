using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

public sealed class SessionsTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Create_read_rename_delete_round_trip()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var created = await client.PostAsync("/api/sessions", new { name = "  Quarterly numbers  " });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var session = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = session.GetProperty("sessionId").GetString()!;
        Assert.Equal("Quarterly numbers", session.GetProperty("name").GetString());
        Assert.Equal($"/api/sessions/{id}", created.Headers.Location?.ToString());
        var expires = session.GetProperty("expiresAt").GetDateTimeOffset() - session.GetProperty("createdAt").GetDateTimeOffset();
        Assert.InRange(expires.TotalDays, 29.99, 30.01);

        var read = await client.GetAsync($"/api/sessions/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(session.ToString(), (await read.Content.ReadFromJsonAsync<JsonElement>()).ToString());

        var renamed = await client.SendAsync(HttpMethod.Patch, $"/api/sessions/{id}", new { name = "Q3" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var renamedBody = await renamed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Q3", renamedBody.GetProperty("name").GetString());
        var reread = await (await client.GetAsync($"/api/sessions/{id}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(renamedBody.ToString(), reread.ToString());

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{id}")).StatusCode);
        await Problem.AssertAsync(await client.GetAsync($"/api/sessions/{id}"), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_is_newest_first_paged_and_only_the_callers()
    {
        using var owner = fixture.Client();
        await owner.RegisterAndSignInAsync();
        using var other = fixture.Client();
        await other.RegisterAndSignInAsync();
        var othersSession = await other.CreateSessionAsync("not yours");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await owner.CreateSessionAsync($"s{i}"));
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await owner.GetAsync("/api/sessions?limit=2" + (cursor is null ? "" : "&cursor=" + cursor)))
                .Content.ReadFromJsonAsync<JsonElement>();
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(Enumerable.Reverse(ids), seen);
        Assert.DoesNotContain(othersSession, seen);
        Assert.True(pages >= 3);
    }

    [Fact]
    public async Task A_foreign_id_answers_exactly_like_a_missing_one_and_is_recorded()
    {
        using var owner = fixture.Client();
        await owner.RegisterAndSignInAsync();
        var sessionId = await owner.CreateSessionAsync("private");
        using var intruder = fixture.Client();
        await intruder.RegisterAndSignInAsync();
        var missingId = Core.Ids.EntityId.New().Value;

        foreach (var (method, body) in new (HttpMethod, object?)[] { (HttpMethod.Get, null), (HttpMethod.Patch, new { name = "mine" }), (HttpMethod.Delete, null) })
        {
            var foreign = await intruder.SendAsync(method, $"/api/sessions/{sessionId}", body);
            var missing = await intruder.SendAsync(method, $"/api/sessions/{missingId}", body);
            var malformed = await intruder.SendAsync(method, "/api/sessions/..%2F..%2Fetc", body);
            await Problem.AssertAsync(foreign, HttpStatusCode.NotFound);
            await Problem.AssertAsync(missing, HttpStatusCode.NotFound);
            var expected = await Problem.BodyWithoutRequestIdAsync(missing);
            Assert.Equal(expected, await Problem.BodyWithoutRequestIdAsync(foreign));
            Assert.Equal(expected, await Problem.BodyWithoutRequestIdAsync(malformed));
            Assert.Equal(missing.Content.Headers.ContentType, foreign.Content.Headers.ContentType);
        }

        var untouched = await (await owner.GetAsync($"/api/sessions/{sessionId}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("private", untouched.GetProperty("name").GetString());

        var records = await fixture.Records().BySessionAsync(sessionId, null, null, 100, null, CancellationToken.None);
        var notFound = records.Items.Where(r => r.Record.ActorUserId == intruder.UserId).ToList();
        Assert.Equal(3, notFound.Count);
        Assert.All(notFound, r => Assert.Equal(Core.Audit.AccessOutcome.NotFound, r.Record.Outcome));
        Assert.Equal(["session.delete", "session.read", "session.rename"], notFound.Select(r => r.Record.Action).Order());
    }

    [Theory]
    [InlineData("{\"name\":\"\"}")]
    [InlineData("{\"name\":\"   \"}")]
    [InlineData("{\"name\":\"bad\\u0000name\"}")]
    [InlineData("{\"name\":123}")]
    [InlineData("{\"name\":\"ok\",\"owner\":\"someone\"}")]
    [InlineData("{\"name\":\"a\",\"name\":\"b\"}")]
    [InlineData("{\"name\":")]
    [InlineData("[]")]
    [InlineData("{}")]
    public async Task Bad_session_bodies_get_400_and_create_nothing(string raw)
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        await Problem.AssertAsync(await client.SendAsync(HttpMethod.Post, "/api/sessions", rawBody: raw), HttpStatusCode.BadRequest);
        var list = await (await client.GetAsync("/api/sessions")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(list.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Overlong_names_bad_cursors_and_limits_are_400()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        await Problem.AssertAsync(await client.PostAsync("/api/sessions", new { name = new string('x', 101) }), HttpStatusCode.BadRequest);
        await Problem.AssertAsync(await client.GetAsync("/api/sessions?cursor=not-a-cursor"), HttpStatusCode.BadRequest);
        await Problem.AssertAsync(await client.GetAsync("/api/sessions?limit=0"), HttpStatusCode.BadRequest);
        await Problem.AssertAsync(await client.GetAsync("/api/sessions?limit=abc"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Oversized_bodies_get_413()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var raw = "{\"name\":\"" + new string('x', 70_000) + "\"}";
        await Problem.AssertAsync(await client.SendAsync(HttpMethod.Post, "/api/sessions", rawBody: raw), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Anonymous_callers_get_401_on_every_session_route()
    {
        using var anonymous = fixture.Client();
        var id = Core.Ids.EntityId.New().Value;
        await Problem.AssertAsync(await anonymous.GetAsync("/api/sessions"), HttpStatusCode.Unauthorized);
        await Problem.AssertAsync(await anonymous.PostAsync("/api/sessions", new { name = "x" }), HttpStatusCode.Unauthorized);
        await Problem.AssertAsync(await anonymous.GetAsync($"/api/sessions/{id}"), HttpStatusCode.Unauthorized);
        await Problem.AssertAsync(await anonymous.SendAsync(HttpMethod.Patch, $"/api/sessions/{id}", new { name = "x" }), HttpStatusCode.Unauthorized);
        await Problem.AssertAsync(await anonymous.SendAsync(HttpMethod.Delete, $"/api/sessions/{id}"), HttpStatusCode.Unauthorized);
    }
}
