using Amazon.Runtime;

namespace Enclave.Functions.Hosting;

/// <summary>The number of AWS round trips a request made; logged with the request so cost per route is visible.</summary>
internal sealed class AwsCallCount
{
    private int calls;

    public int Calls => Volatile.Read(ref calls);

    public void Add() => Interlocked.Increment(ref calls);
}

/// <summary>
/// Gives the AWS SDK clients HttpClients over one shared handler that counts each round trip against the
/// current request's <see cref="AwsCallCount"/> feature (retries included). Sharing the handler lets the
/// per-request user-data clients reuse the process's connection pool.
/// </summary>
internal sealed class CountingAwsHttpClientFactory(IHttpContextAccessor accessor) : HttpClientFactory, IDisposable
{
    private readonly CountingHandler handler = new(accessor)
    {
        InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) },
    };

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(handler, disposeHandler: false) { Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(30) };

    // Clients built per request are disposed with the request; the shared handler must outlive them.
    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public void Dispose() => handler.Dispose();

    private sealed class CountingHandler(IHttpContextAccessor accessor) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            accessor.HttpContext?.Features.Get<AwsCallCount>()?.Add();
            return base.SendAsync(request, cancellationToken);
        }
    }
}
