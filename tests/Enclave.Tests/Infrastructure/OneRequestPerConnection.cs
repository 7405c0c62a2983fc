using Amazon.Runtime;

namespace Enclave.Tests.Infrastructure;

/// <summary>
/// HTTP clients whose requests each close their connection. RGW 16 answers an <c>Expect: 100-continue</c> PUT
/// it refuses (403) after the body has started to arrive and then reads the unread body as the next request on
/// that keep-alive connection ("failed to read header: bad method", 400). A test that checks a refusal and then
/// sends its next request on the same connection would see that 400 instead of its own answer.
/// </summary>
public sealed class OneRequestPerConnection : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var client = new HttpClient(new SocketsHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.ConnectionClose = true;
        return client;
    }

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;
}
