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
/// Gives the AWS SDK clients an HttpClient whose handler counts each round trip against the current
/// request's <see cref="AwsCallCount"/> feature (retries included).
/// </summary>
internal sealed class CountingAwsHttpClientFactory(IHttpContextAccessor accessor) : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(new CountingHandler(accessor) { InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) } })
        {
            Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(30),
        };

    private sealed class CountingHandler(IHttpContextAccessor accessor) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            accessor.HttpContext?.Features.Get<AwsCallCount>()?.Add();
            return base.SendAsync(request, cancellationToken);
        }
    }
}
