using Amazon.Runtime;

namespace Enclave.Tests.Infrastructure;

/// <summary>Counts the HTTP round trips an AWS SDK client makes, by request target (e.g. "DynamoDB_20120810.Query").</summary>
public sealed class CountingHttpClientFactory : HttpClientFactory
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> calls = new();

    public IReadOnlyCollection<string> Calls => calls;

    public void Reset() => calls.Clear();

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(new CountingHandler(calls) { InnerHandler = new SocketsHttpHandler() });

    private sealed class CountingHandler(System.Collections.Concurrent.ConcurrentQueue<string> calls) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            calls.Enqueue(request.Headers.TryGetValues("X-Amz-Target", out var target) ? target.First() : request.Method + " " + request.RequestUri?.AbsolutePath);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
