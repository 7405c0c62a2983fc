using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

using Enclave.Core.Uploads;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Isolation;

internal sealed record OwnedSession(string SessionId, string Name)
{
    public string Name { get; set; } = Name;
}

internal sealed record OwnedUpload(string SessionId, string UploadId, string FileName, byte[] Content)
{
    public bool Deleted { get; set; }
}

/// <summary>
/// One user of the many: registers, signs in, opens two sessions with two uploads each, uses every
/// route on its own data, then tries every session route on another user's live session and upload.
/// Every name and file it creates carries a marker no other user has, so any leak is visible.
/// </summary>
internal sealed class SimulatedUser : IDisposable
{
    private const string ContentType = "text/csv";

    private readonly Traffic traffic;
    private readonly TokenOwners owners;
    private readonly AttackTargets targets;
    private readonly ApiClient client;

    public SimulatedUser(Traffic traffic, TokenOwners owners, AttackTargets targets)
    {
        (this.traffic, this.owners, this.targets) = (traffic, owners, targets);
        client = traffic.ClientFor(this);
        Email = TokenOwners.NewMarker() + "@example.com";
        owners.Add(Email.Split('@')[0], this);
    }

    public string Email { get; }

    public string UserId { get; private set; } = "";

    public List<OwnedSession> Sessions { get; } = [];

    public List<OwnedUpload> Uploads { get; } = [];

    /// <summary>Rounds of <see cref="RunUntilAsync"/> this user finished.</summary>
    public int Rounds { get; private set; }

    // Only the load script sets one. Reads and attacks change nothing, so they stop between two requests once it has passed;
    // every other step is finished once begun, so what the user holds at the end is exactly known.
    private DateTime deadline = DateTime.MaxValue;

    private bool Late => DateTime.UtcNow >= deadline;

    public async Task RunAsync(IReadOnlyList<string> sessionRoutes)
    {
        await SignUpAsync();
        for (var s = 0; s < 2; s++)
        {
            var session = await OpenSessionAsync();
            for (var u = 0; u < 2; u++)
            {
                await UploadAsync(session.SessionId);
            }
        }

        foreach (var upload in Uploads)
        {
            await WaitReadyAsync(upload);
        }

        targets.Publish(this, Sessions[1].SessionId, Uploads.First(u => u.SessionId == Sessions[1].SessionId).UploadId);
        await ReadEverythingAsync();
        foreach (var session in Sessions)
        {
            await RenameAsync(session);
        }

        await DeleteUploadAsync(Uploads[0]);
        await AttackAsync(sessionRoutes, await targets.PickOtherThanAsync(this));
    }

    /// <summary>
    /// The load script's user (issue 16.5): one kept session with one file for others to attack, then rounds until the
    /// deadline, each a new session with a file that is read, renamed, attacked around and deleted again, then sign-out
    /// and sign-in. The deadline is looked at between steps, so the user stops soon after it wherever it is.
    /// </summary>
    public async Task RunUntilAsync(DateTime until, IReadOnlyList<string> sessionRoutes, int routesPerAttack)
    {
        deadline = until;
        await SignUpAsync();
        OwnedSession? kept = null;
        Func<Task>[] steps =
        [
            async () => kept = await OpenSessionAsync(),
            async () =>
            {
                var target = await UploadAsync(kept!.SessionId);
                await WaitReadyAsync(target);
                targets.Publish(this, kept.SessionId, target.UploadId);
            },
        ];
        if (await RunStepsAsync(steps))
        {
            while (await RoundAsync(sessionRoutes, routesPerAttack))
            {
                Rounds++;
            }
        }
    }

    /// <summary>One round; true when every step ran before the deadline.</summary>
    private Task<bool> RoundAsync(IReadOnlyList<string> sessionRoutes, int routesPerAttack)
    {
        OwnedSession? session = null;
        OwnedUpload? upload = null;
        return RunStepsAsync(
        [
            async () => session = await OpenSessionAsync(),
            async () => await WaitReadyAsync(upload = await UploadAsync(session!.SessionId)),
            ReadEverythingAsync,
            () => RenameAsync(session!),
            async () => await AttackAsync([.. sessionRoutes.OrderBy(_ => Random.Shared.Next()).Take(routesPerAttack)], await targets.PickOtherThanAsync(this)),

            // Every other round the session goes with its file still in it, so both ways of removing a file are used.
            () => Rounds % 2 == 0 ? DeleteUploadAsync(upload!) : Task.CompletedTask,
            () => DeleteSessionAsync(session!),
            SignOutAndInAsync,
        ]);
    }

    private async Task<bool> RunStepsAsync(IEnumerable<Func<Task>> steps)
    {
        foreach (var step in steps)
        {
            if (Late)
            {
                return false;
            }

            await step();
        }

        return true;
    }

    /// <summary>After every user is done: exactly what this user made, renamed and kept is still there.</summary>
    public async Task VerifyFinalStateAsync()
    {
        var sessions = await ReadJsonAsync(await client.GetAsync("/api/sessions"));
        Assert.Equal(
            Sessions.Select(s => (s.SessionId, s.Name)).Order(),
            sessions.GetProperty("items").EnumerateArray().Select(s => (s.GetProperty("sessionId").GetString()!, s.GetProperty("name").GetString()!)).Order());
        foreach (var session in Sessions)
        {
            var uploads = await ReadJsonAsync(await client.GetAsync($"/api/sessions/{session.SessionId}/uploads"));
            Assert.Equal(
                Uploads.Where(u => u.SessionId == session.SessionId && !u.Deleted).Select(u => u.UploadId).Order(),
                uploads.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("uploadId").GetString()!).Order());
        }
    }

    private static string UploadPath(OwnedUpload upload) => $"/api/sessions/{upload.SessionId}/uploads/{upload.UploadId}";

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task SignUpAsync()
    {
        await client.RegisterAndSignInAsync(Email);
        UserId = client.UserId!;
        owners.Add(UserId, this);
    }

    private async Task<OwnedSession> OpenSessionAsync()
    {
        var name = "work " + owners.NewMarkerOf(this);
        var session = new OwnedSession(await client.CreateSessionAsync(name), name);
        owners.Add(session.SessionId, this);
        Sessions.Add(session);
        return session;
    }

    private async Task RenameAsync(OwnedSession session)
    {
        session.Name = "renamed " + owners.NewMarkerOf(this);
        var renamed = await client.SendAsync(HttpMethod.Patch, $"/api/sessions/{session.SessionId}", new { name = session.Name });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
    }

    private async Task DeleteUploadAsync(OwnedUpload upload)
    {
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, UploadPath(upload))).StatusCode);
        upload.Deleted = true;
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(UploadPath(upload))).StatusCode);
    }

    private async Task DeleteSessionAsync(OwnedSession session)
    {
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{session.SessionId}")).StatusCode);
        Sessions.Remove(session);
        Uploads.Where(u => u.SessionId == session.SessionId).ToList().ForEach(u => u.Deleted = true);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/sessions/{session.SessionId}")).StatusCode);
    }

    private async Task SignOutAndInAsync()
    {
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/auth/logout")).StatusCode);
        Assert.Null(client.Cookie);
        await client.SignInAsync();
    }

    private async Task<OwnedUpload> UploadAsync(string sessionId)
    {
        var fileName = $"data {owners.NewMarkerOf(this)}.csv";
        var marker = owners.NewMarkerOf(this);
        var content = Encoding.UTF8.GetBytes($"id,marker,amount\n1,{marker},3.5\n2,{marker},4.25\n3,{marker},10\n");
        var created = await client.CreateUploadAsync(sessionId, fileName, ContentType, content.Length);
        var upload = new OwnedUpload(sessionId, created.GetProperty("uploadId").GetString()!, fileName, content);
        owners.Add(upload.UploadId, this);
        Uploads.Add(upload);
        await traffic.StorageAsync(this, "POST", created.GetProperty("upload").GetProperty("url").GetString()!,
            _ => UploadHelpers.PostFormAsync(created, content, ContentType));
        var completed = await client.PostAsync(UploadPath(upload) + "/complete");
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        return upload;
    }

    private async Task WaitReadyAsync(OwnedUpload upload)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        for (var poll = 0; ; poll++)
        {
            var status = (await ReadJsonAsync(await client.GetAsync(UploadPath(upload)))).GetProperty("status").GetString();
            if (status == UploadStatus.Ready)
            {
                return;
            }

            Assert.True(status is UploadStatus.Uploaded or UploadStatus.Processing, $"upload {upload.UploadId} is {status}");
            Assert.True(DateTime.UtcNow < deadline, $"upload {upload.UploadId} not ready in 3 minutes");
            await Task.Delay(250 << Math.Min(poll, 3));
        }
    }

    private async Task ReadEverythingAsync()
    {
        var listed = await ReadJsonAsync(await client.GetAsync("/api/sessions"));
        Assert.Equal(Sessions.Count, listed.GetProperty("items").GetArrayLength());
        foreach (var session in Sessions.TakeWhile(_ => !Late))
        {
            Assert.Equal(session.Name, (await ReadJsonAsync(await client.GetAsync($"/api/sessions/{session.SessionId}"))).GetProperty("name").GetString());
            var uploads = await ReadJsonAsync(await client.GetAsync($"/api/sessions/{session.SessionId}/uploads"));
            Assert.Equal(
                Uploads.Where(u => u.SessionId == session.SessionId && !u.Deleted).Select(u => u.FileName).Order(),
                uploads.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("fileName").GetString()!).Order());
        }

        foreach (var upload in Uploads.Where(u => !u.Deleted).TakeWhile(_ => !Late))
        {
            var profile = await client.GetAsync(UploadPath(upload) + "/profile");
            Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
            Assert.Contains(Encoding.UTF8.GetString(upload.Content).Split('\n')[1].Split(',')[1], await profile.Content.ReadAsStringAsync());

            var link = (await ReadJsonAsync(await client.GetAsync(UploadPath(upload) + "/download"))).GetProperty("url").GetString()!;
            var bytes = await traffic.StorageAsync(this, "GET", link, http => http.GetAsync(link));
            Assert.Equal(upload.Content, bytes);
        }
    }

    /// <summary>
    /// Every session route with the victim's live session and upload ids, every upload route also with the
    /// attacker's own session and the victim's upload id, and each once with ids nobody has (the reference 404).
    /// </summary>
    private async Task AttackAsync(IReadOnlyList<string> sessionRoutes, (string SessionId, string UploadId) victim)
    {
        var unused = (Core.Ids.EntityId.New().Value, Core.Ids.EntityId.New().Value);
        foreach (var route in sessionRoutes.TakeWhile(_ => !Late))
        {
            var (method, template) = (new HttpMethod(route.Split(' ')[0]), route.Split(' ')[1]);
            var body = BodyFor(method, template);

            // The unused ids first: each route's reference answer is there even if the deadline ends the attack.
            List<(string, string)> ids = [unused, victim];
            if (template.Contains("{uploadId}", StringComparison.Ordinal))
            {
                ids.Add((Sessions[0].SessionId, victim.UploadId));
            }

            foreach (var (session, upload) in ids)
            {
                await client.SendAsync(method, template.Replace("{sessionId}", session, StringComparison.Ordinal)
                    .Replace("{uploadId}", upload, StringComparison.Ordinal), body);
            }
        }
    }

    /// <summary>A valid body, so only the ownership of the ids can make the request fail.</summary>
    private object? BodyFor(HttpMethod method, string template) => (method.Method, template) switch
    {
        ("PATCH", _) => new { name = "stolen " + owners.NewMarkerOf(this) },
        ("POST", "/api/sessions/{sessionId}/uploads") => new { fileName = $"stolen {owners.NewMarkerOf(this)}.csv", contentType = ContentType, size = 10 },
        _ => null,
    };

    public void Dispose() => client.Dispose();
}
