using System.Net;
using System.Net.Sockets;

using Microsoft.Playwright;

namespace Enclave.Tests.Infrastructure;

/// <summary>
/// The API serving the built web app (web/dist) on a fixed free port, the upload processor, and Debian's
/// headless Chromium driven by Playwright (never a downloaded browser).
/// </summary>
public class WebFixture : ProcessorFixture
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>
    /// Failed sign-ins per client address, kept low so the throttling message can be seen in a few
    /// attempts. Only WebThrottleTests signs in wrongly, on its own fixture: successful sign-ins do not count.
    /// </summary>
    public const int LoginFailuresPerClientIp = 3;

    private IPlaywright? playwright;

    public string SiteOrigin { get; } = "http://127.0.0.1:" + FreePort();

    public static string WebRoot => Path.Combine(Repo.Root, "web", "dist");

    public static string ScreenshotDir => Path.Combine(Repo.Root, "artifacts", "screenshots");

    public IBrowser Browser { get; private set; } = null!;

    protected override void Configure(Dictionary<string, string> settings)
    {
        if (!File.Exists(Path.Combine(WebRoot, "index.html")))
        {
            throw new InvalidOperationException("web/dist is missing: run scripts/build-web.sh (./test.sh does) before the browser tests.");
        }

        settings[ApiProcess.UrlsSetting] = SiteOrigin;
        settings["Enclave__Web__Root"] = WebRoot;
        settings["Enclave__Web__UploadOrigin"] = Stack.S3Url;
        settings["Enclave__Web__SiteOrigin"] = SiteOrigin;
        settings["Enclave__Mail__SiteOrigin"] = SiteOrigin;
        settings["Enclave__Limits__LoginAttemptsPerClientIp"] = LoginFailuresPerClientIp.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
            ],
        });
        Directory.CreateDirectory(ScreenshotDir);

        // Playwright's 5 s default for expectations is shorter than a sign-up takes on this 2-core machine under load
        // (the password hash alone is 110 ms of CPU when idle); a condition that never comes still fails, after 30 s.
        Assertions.SetDefaultExpectTimeout(30_000);
    }

    public override async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>The CORS rule and the page's connect-src must name the site's origin before the API starts, so the port is chosen here.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
