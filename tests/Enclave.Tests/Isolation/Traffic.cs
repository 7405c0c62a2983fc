using System.Collections.Concurrent;
using System.Diagnostics;

using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Isolation;

/// <summary>
/// One HTTP exchange as the user saw it. Process is the API process's index, or -1 for the storage server; Latency runs
/// from the moment the request got its place in flight to its last response byte.
/// </summary>
internal sealed record Exchange(
    SimulatedUser User, int Process, string Method, string Path, int Status, string? RequestId, string? MediaType, string Headers, string Body,
    TimeSpan Latency = default)
{
    public bool ToStorage => Process < 0;
}

/// <summary>
/// Every request of every simulated user: API requests each go to a randomly chosen API process, and
/// all requests (API and storage) share one bound on how many are in flight, so the load is really
/// concurrent but does not starve two shared cores. A request's timeout starts when it gets its place, so a long queue
/// of users (the load script's thousand) is not mistaken for a slow server.
/// </summary>
internal sealed class Traffic(IReadOnlyList<Uri> apiProcesses, int maxInFlight, Mailbox mailbox) : IDisposable
{
    private static readonly Uri Unrouted = new("http://enclave.invalid/");
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    private readonly SemaphoreSlim inFlight = new(maxInFlight, maxInFlight);
    private readonly ConcurrentQueue<Exchange> exchanges = new();
    private readonly HttpClient storage = new() { Timeout = RequestTimeout };

    public IReadOnlyCollection<Exchange> Exchanges => exchanges;

    private (int Index, Uri Address) PickProcess()
    {
        var index = Random.Shared.Next(apiProcesses.Count);
        return (index, apiProcesses[index]);
    }

    /// <summary>A browser-like client for one user; the base address is rewritten per request.</summary>
    public ApiClient ClientFor(SimulatedUser user) =>
        new(new HttpClient(new RandomProcessHandler(this, user) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = Unrouted,
            Timeout = Timeout.InfiniteTimeSpan,
        })
        {
            Mailbox = mailbox,
        };

    /// <summary>A request straight to the storage server (presigned POST or GET), under the same bound.</summary>
    public async Task<byte[]> StorageAsync(SimulatedUser user, string method, string url, Func<HttpClient, Task<HttpResponseMessage>> send)
    {
        await inFlight.WaitAsync();
        try
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await send(storage);
            var body = await response.Content.ReadAsByteArrayAsync();
            exchanges.Enqueue(new Exchange(user, -1, method, url, (int)response.StatusCode, null, response.Content.Headers.ContentType?.MediaType,
                HeaderText(response), System.Text.Encoding.UTF8.GetString(body), Stopwatch.GetElapsedTime(started)));
            Assert.True(response.IsSuccessStatusCode, $"{method} {url} → {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
            return body;
        }
        finally
        {
            inFlight.Release();
        }
    }

    public void Dispose()
    {
        inFlight.Dispose();
        storage.Dispose();
    }

    /// <summary>Every header except the two that differ on every response, as sorted "name: value" lines.</summary>
    private static string HeaderText(HttpResponseMessage response) => string.Join('\n', response.Headers.Concat(response.Content.Headers)
        .Where(h => !h.Key.Equals("Date", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("X-Request-Id", StringComparison.OrdinalIgnoreCase))
        .Select(h => $"{h.Key.ToLowerInvariant()}: {string.Join(", ", h.Value)}")
        .Order(StringComparer.Ordinal));

    private sealed class RandomProcessHandler(Traffic traffic, SimulatedUser user) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var (process, address) = traffic.PickProcess();
            var path = request.RequestUri!.PathAndQuery;
            request.RequestUri = new Uri(address, path);
            await traffic.inFlight.WaitAsync(cancellationToken);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(RequestTimeout);
                var started = Stopwatch.GetTimestamp();
                var response = await base.SendAsync(request, timeout.Token);
                await response.Content.LoadIntoBufferAsync(timeout.Token);
                var latency = Stopwatch.GetElapsedTime(started);
                var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : null;
                traffic.exchanges.Enqueue(new Exchange(user, process, request.Method.Method, path, (int)response.StatusCode, requestId,
                    response.Content.Headers.ContentType?.MediaType, HeaderText(response), await response.Content.ReadAsStringAsync(timeout.Token), latency));
                return response;
            }
            finally
            {
                traffic.inFlight.Release();
            }
        }
    }
}
