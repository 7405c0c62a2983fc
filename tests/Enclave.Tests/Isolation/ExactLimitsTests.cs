using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Amazon.DynamoDBv2.Model;

using Enclave.Core.Audit;
using Enclave.Core.Sessions;
using Enclave.Core.Storage;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Isolation;

/// <summary>
/// Issue 16.2: the sessions-per-user and uploads-per-session limits hold exactly when creates race over several
/// processes, and stay right after deletes and after expiry.
/// </summary>
public sealed class ExactLimitsTests
{
    private const int Limit = 10;
    private const int Racers = 30;

    private static async Task<(ApiCluster Cluster, List<ApiClient> Clients)> StartAsync()
    {
        var cluster = await ApiCluster.StartAsync(3, withProcessor: false, settings =>
        {
            settings["Enclave__Limits__MaxSessionsPerUser"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Enclave__Limits__MaxUploadsPerSession"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        var clients = cluster.Apis.Select(a => a.CreateClient()).ToList();
        await clients[0].RegisterAndSignInAsync();
        foreach (var other in clients.Skip(1))
        {
            (other.Cookie, other.CsrfToken) = (clients[0].Cookie, clients[0].CsrfToken);
        }

        return (cluster, clients);
    }

    /// <summary>Fires the creates at once, spread over the processes; the ids created and the number refused with 409.</summary>
    private static async Task<(List<string> Created, int Refused)> RaceAsync(List<ApiClient> clients, int count, string path, Func<int, object> body, string idName)
    {
        using var start = new SemaphoreSlim(0);
        var racing = Enumerable.Range(0, count).Select(async i =>
        {
            await start.WaitAsync();
            return await clients[i % clients.Count].PostAsync(path, body(i));
        }).ToList();
        start.Release(count);
        var responses = await Task.WhenAll(racing);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"unexpected {(int)r.StatusCode}"));
        var created = new List<string>();
        foreach (var response in responses.Where(r => r.StatusCode == HttpStatusCode.Created))
        {
            created.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty(idName).GetString()!);
        }

        return (created, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }

    private static async Task<int> RefusalsAsync(ApiCluster cluster, string action, string reason) =>
        (await cluster.AccessRecordsAsync()).Count(r => r.Record.Action == action && r.Record.Outcome == AccessOutcome.Denied && r.Record.Reason == reason);

    [Fact]
    public async Task Thirty_racing_session_creates_over_three_processes_make_exactly_ten_and_deletes_and_expiry_free_places()
    {
        var (cluster, clients) = await StartAsync();
        await using var _ = cluster;
        var sessions = await RaceAsync(clients, Racers, "/api/sessions", i => new { name = $"race {i}" }, "sessionId");
        Assert.Equal((Limit, Racers - Limit), (sessions.Created.Count, sessions.Refused));
        Assert.Equal(Racers - Limit, await RefusalsAsync(cluster, "session.create", "session-limit"));

        foreach (var deleted in sessions.Created.Take(3))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await clients[1].SendAsync(HttpMethod.Delete, $"/api/sessions/{deleted}")).StatusCode);
        }

        var afterDeletes = await RaceAsync(clients, 6, "/api/sessions", i => new { name = $"after delete {i}" }, "sessionId");
        Assert.Equal((3, 3), (afterDeletes.Created.Count, afterDeletes.Refused));

        // Expiry as AWS shows it before TTL deletes the item: the time has passed, the item is still there.
        using var dynamo = cluster.Stack.CreateDynamo();
        foreach (var expired in afterDeletes.Created.Take(2))
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = cluster.Storage.DataTable,
                Key = Attr.Key(DataKeys.Owner(clients[0].UserId!), DataKeys.Session(expired)),
                UpdateExpression = "SET #ttl = :past",
                ExpressionAttributeNames = new() { ["#ttl"] = Attr.Ttl },
                ExpressionAttributeValues = new() { [":past"] = Attr.N(DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds()) },
            });
        }

        var afterExpiry = await RaceAsync(clients, 6, "/api/sessions", i => new { name = $"after expiry {i}" }, "sessionId");
        Assert.Equal((2, 4), (afterExpiry.Created.Count, afterExpiry.Refused));
        var listed = await (await clients[2].GetAsync("/api/sessions?limit=100")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(Limit, listed.GetProperty("items").GetArrayLength());

        using var s3 = cluster.Stack.CreateAdminS3();
        await StorageInvariants.AssertHoldAsync(dynamo, s3, cluster.Storage, await cluster.AuditKeyAsync());
    }

    [Fact]
    public async Task Thirty_racing_upload_creates_over_three_processes_make_exactly_ten_and_deletes_free_places()
    {
        var (cluster, clients) = await StartAsync();
        await using var _ = cluster;
        var session = await clients[0].CreateSessionAsync("uploads");
        var path = $"/api/sessions/{session}/uploads";
        static object File(int i) => new { fileName = $"f{i}.csv", contentType = "text/csv", size = 10 };
        var uploads = await RaceAsync(clients, Racers, path, File, "uploadId");
        Assert.Equal((Limit, Racers - Limit), (uploads.Created.Count, uploads.Refused));
        Assert.Equal(Racers - Limit, await RefusalsAsync(cluster, "upload.create", "upload-limit"));

        foreach (var deleted in uploads.Created.Take(3))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await clients[2].SendAsync(HttpMethod.Delete, $"{path}/{deleted}")).StatusCode);
        }

        var afterDeletes = await RaceAsync(clients, 6, path, File, "uploadId");
        Assert.Equal((3, 3), (afterDeletes.Created.Count, afterDeletes.Refused));

        using var dynamo = cluster.Stack.CreateDynamo();
        using var s3 = cluster.Stack.CreateAdminS3();
        await StorageInvariants.AssertHoldAsync(dynamo, s3, cluster.Storage, await cluster.AuditKeyAsync());
    }
}
