using System.Net;

using Enclave.Core.Audit;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

public sealed class AccessRecordTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Every_session_access_and_sign_in_leaves_one_signed_record_queryable_three_ways_with_one_query_each()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        using var anonymous = fixture.Client();
        await anonymous.PostAsync("/api/auth/login", new { email = client.Email, password = "a wrong passphrase here" });
        var sessionId = await client.CreateSessionAsync("audited");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/sessions/{sessionId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Patch, $"/api/sessions/{sessionId}", new { name = "renamed" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/sessions")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{sessionId}")).StatusCode);

        var counter = new CountingHttpClientFactory();
        using var dynamo = fixture.Stack.CreateDynamo(counter);
        var queries = fixture.Records(dynamo);
        var key = await fixture.AuditKeyAsync();

        counter.Reset();
        var byActor = await queries.ByActorAsync(client.UserId!, null, null, 100, null, CancellationToken.None);
        Assert.Equal(["DynamoDB_20120810.Query"], counter.Calls);
        Assert.Equal(
            ["auth.login", "session.create", "session.delete", "session.list", "session.read", "session.rename"],
            byActor.Items.Select(r => r.Record.Action).Order());
        Assert.All(byActor.Items, r =>
        {
            Assert.True(r.Verify(key), "record signature");
            Assert.Equal(client.UserId, r.Record.ActorUserId);
            Assert.Equal(AccessOutcome.Allowed, r.Record.Outcome);
            Assert.True(Core.Ids.EntityId.TryParse(r.Record.RequestId, out _));
            Assert.False(string.IsNullOrEmpty(r.Record.InstanceId));
            Assert.Equal("127.0.0.1", r.Record.ClientIp);
        });
        Assert.True(byActor.Items.Zip(byActor.Items.Skip(1)).All(p => p.First.Record.Time >= p.Second.Record.Time), "newest first");

        counter.Reset();
        var bySession = await queries.BySessionAsync(sessionId, null, null, 100, null, CancellationToken.None);
        Assert.Single(counter.Calls);
        Assert.Equal(["session.create", "session.delete", "session.read", "session.rename"], bySession.Items.Select(r => r.Record.Action).Order());

        // The failed sign-in came between the successful one and the create: its day is one of theirs (two days only
        // when the test runs across midnight UTC), and each day is one Query.
        var signedIn = byActor.Items.Single(r => r.Record.Action == "auth.login").Record.Time;
        var created = byActor.Items.Single(r => r.Record.Action == "session.create").Record.Time;
        var days = new[] { signedIn, created }.Select(t => DateOnly.FromDateTime(t.UtcDateTime)).Distinct().ToList();
        counter.Reset();
        var byDay = new List<StoredAccessRecord>();
        foreach (var day in days)
        {
            byDay.AddRange((await queries.ByDayAsync(day, signedIn, created, 1000, null, CancellationToken.None)).Items);
        }

        Assert.Equal(days.Count * ApiProcess.AuditLayout.Shards, counter.Calls.Count);
        var failed = Assert.Single(byDay, r => r.Record.Action == "auth.login" && r.Record.Outcome == AccessOutcome.Denied && r.Record.SubjectUserId == client.UserId);
        Assert.Null(failed.Record.ActorUserId);
        Assert.Equal("invalid-credentials", failed.Record.Reason);
        Assert.True(failed.Verify(key));

        // What happened to this user, failed sign-ins by others included: one Query on the subject index.
        counter.Reset();
        var bySubject = await queries.QueryAsync(new AccessRecordFilter(Subject: client.UserId), 100, null, CancellationToken.None);
        Assert.Single(counter.Calls);
        Assert.Contains(bySubject.Items, r => r.Record.RecordId == failed.Record.RecordId && r.Verify(key));

        // The anonymous attempt stays under the anonymous actor, whose shards one page reads in parallel.
        counter.Reset();
        var byAnonymous = await queries.ByActorAsync(AccessRecord.Anonymous, signedIn, created, 1000, null, CancellationToken.None);
        Assert.Equal(ApiProcess.AuditLayout.Shards, counter.Calls.Count);
        Assert.Contains(byAnonymous.Items, r => r.Record.RecordId == failed.Record.RecordId);
    }

    [Fact]
    public async Task An_altered_record_fails_verification()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var stored = (await fixture.Records().ByActorAsync(client.UserId!, null, null, 10, null, CancellationToken.None)).Items.First();
        var key = await fixture.AuditKeyAsync();
        Assert.True(stored.Verify(key));
        Assert.False((stored with { Record = stored.Record with { Outcome = AccessOutcome.Denied } }).Verify(key));
        Assert.False((stored with { Record = stored.Record with { ActorUserId = Core.Ids.EntityId.New().Value } }).Verify(key));
        Assert.False((stored with { Record = stored.Record with { Time = stored.Record.Time.AddMilliseconds(1) } }).Verify(key));
    }
}
