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

    public async Task RunAsync(IReadOnlyList<string> sessionRoutes)
    {
        await client.RegisterAndSignInAsync(Email);
        UserId = client.UserId!;
        owners.Add(UserId, this);

        for (var s = 0; s < 2; s++)
        {
            var name = "work " + owners.NewMarkerOf(this);
            Sessions.Add(new OwnedSession(await client.CreateSessionAsync(name), name));
            owners.Add(Sessions[^1].SessionId, this);
            for (var u = 0; u < 2; u++)
            {
                await UploadAsync(Sessions[^1].SessionId);
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
            session.Name = "renamed " + owners.NewMarkerOf(this);
            var renamed = await client.SendAsync(HttpMethod.Patch, $"/api/sessions/{session.SessionId}", new { name = session.Name });
            Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        }

        var doomed = Uploads[0];
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, UploadPath(doomed))).StatusCode);
        doomed.Deleted = true;
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(UploadPath(doomed))).StatusCode);

        await AttackAsync(sessionRoutes, await targets.PickOtherThanAsync(this));
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

    private async Task UploadAsync(string sessionId)
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
        foreach (var session in Sessions)
        {
            Assert.Equal(session.Name, (await ReadJsonAsync(await client.GetAsync($"/api/sessions/{session.SessionId}"))).GetProperty("name").GetString());
            var uploads = await ReadJsonAsync(await client.GetAsync($"/api/sessions/{session.SessionId}/uploads"));
            Assert.Equal(
                Uploads.Where(u => u.SessionId == session.SessionId).Select(u => u.FileName).Order(),
                uploads.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("fileName").GetString()!).Order());
        }

        foreach (var upload in Uploads)
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
        foreach (var route in sessionRoutes)
        {
            var (method, template) = (new HttpMethod(route.Split(' ')[0]), route.Split(' ')[1]);
            var body = BodyFor(method, template);
            List<(string, string)> ids = [victim, unused];
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
