using System.Net;
using System.Text;
using Enclave.Core.Uploads;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

/// <summary>A storage outage during processing is retried until it succeeds; a permanent one ends in "rejected", never a loop.</summary>
public sealed class ProcessingRetryTests
{
    private static async Task<(ApiProcess Api, ApiProcess Processor, TcpProxy Proxy)> StartAsync()
    {
        var stack = await LocalStack.GetAsync();
        var storage = TestStorage.Create();
        var api = await ApiProcess.StartAsync(ApiProcess.Settings(stack, storage));
        var proxy = new TcpProxy(new Uri(stack.S3Url));
        var settings = ApiProcess.Settings(stack, storage);
        settings["Enclave__Role"] = "Processor";
        settings["Enclave__Storage__S3ServiceUrl"] = proxy.Url;
        settings["Enclave__Storage__AwsTimeoutSeconds"] = "1";
        var processor = await ApiProcess.StartAsync(settings);
        return (api, processor, proxy);
    }

    private static async Task<(ApiClient Client, string Session, string Upload)> UploadAsync(ApiProcess api)
    {
        var client = api.CreateClient();
        await client.RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("retry");
        var content = Encoding.UTF8.GetBytes("n\n1\n2\n3\n");
        var created = await client.CreateUploadAsync(session, "n.csv", "text/csv", content.Length);
        Assert.True((await UploadHelpers.PostFormAsync(created, content, "text/csv")).IsSuccessStatusCode);
        var upload = created.GetProperty("uploadId").GetString()!;
        return (client, session, upload);
    }

    [Fact]
    public async Task A_storage_outage_while_processing_is_retried_until_ready()
    {
        var (api, processor, proxy) = await StartAsync();
        await using (api)
        await using (processor)
        await using (proxy)
        {
            var (client, session, upload) = await UploadAsync(api);
            using var owned = client;
            proxy.Stalled = true;
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/complete")).StatusCode);
            // Hold the outage until processing has really failed once.
            for (var i = 0; i < 200 && !processor.Lines.Any(l => l.Contains("will be delivered again", StringComparison.Ordinal)); i++)
            {
                await Task.Delay(100);
            }

            Assert.Contains(processor.Lines, l => l.Contains("will be delivered again", StringComparison.Ordinal));
            proxy.Stalled = false;
            var settled = await ProcessingTests.WaitSettledAsync(client, session, upload, processor);
            Assert.Equal(UploadStatus.Ready, settled.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task A_permanent_failure_ends_rejected_after_the_attempt_limit()
    {
        var (api, processor, proxy) = await StartAsync();
        await using (api)
        await using (processor)
        await using (proxy)
        {
            var (client, session, upload) = await UploadAsync(api);
            using var owned = client;
            proxy.Stalled = true;
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/complete")).StatusCode);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            string? status = null;
            while (DateTime.UtcNow < deadline && status != UploadStatus.Rejected)
            {
                await Task.Delay(500);
                var state = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(
                    (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}")).Content);
                status = state.GetProperty("status").GetString();
            }

            Assert.Equal(UploadStatus.Rejected, status);
        }
    }
}
