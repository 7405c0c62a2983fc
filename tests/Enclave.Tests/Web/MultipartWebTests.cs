using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Enclave.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Enclave.Tests.Web;

/// <summary>The web app with 5 MiB parts above 6 MiB (RGW's smallest part), so a multipart file is a few MiB.</summary>
public sealed class MultipartWebFixture : WebFixture
{
    protected override void Configure(Dictionary<string, string> settings)
    {
        base.Configure(settings);
        settings["Enclave__Limits__MinPartBytes"] = (5L * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
        settings["Enclave__Limits__MultipartThresholdBytes"] = (6L * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>Multipart uploads in headless Chromium against the real API and RGW: parts in parallel, a failed part retried.</summary>
public sealed class MultipartWebTests(MultipartWebFixture fixture) : IClassFixture<MultipartWebFixture>
{
    [Fact]
    public async Task A_big_file_goes_in_parts_and_a_part_that_fails_once_is_sent_again()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        await user.RegisterAsync();
        await user.CreateSessionAsync("parts");
        var csv = new StringBuilder("id,label,value\n");
        for (var i = 0; csv.Length < 12 * 1024 * 1024; i++)
        {
            csv.Append(i).Append(",label").Append(i % 5).Append(',').Append((i % 1000 / 7.0).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        // Every part PUT that reaches storage, by part number; the first try of part 2 is failed by the network.
        var puts = new ConcurrentQueue<int>();
        var failedOnce = 0;
        await user.Page.RouteAsync(fixture.Stack.S3Url + "/**", async route =>
        {
            var url = new Uri(route.Request.Url);
            var partNumber = System.Web.HttpUtility.ParseQueryString(url.Query)["partNumber"];
            if (route.Request.Method == "PUT" && partNumber is not null)
            {
                if (partNumber == "2" && Interlocked.Exchange(ref failedOnce, 1) == 0)
                {
                    await route.AbortAsync("connectionreset");
                    return;
                }

                puts.Enqueue(int.Parse(partNumber, CultureInfo.InvariantCulture));
            }

            await route.ContinueAsync();
        });

        await user.UploadAndWaitAsync("parts.csv", "text/csv", Encoding.ASCII.GetBytes(csv.ToString()));
        Assert.Equal(1, failedOnce);
        Assert.Equal([1, 2, 3], puts.Order());
        Assert.Empty(user.CspViolations);
    }
}
