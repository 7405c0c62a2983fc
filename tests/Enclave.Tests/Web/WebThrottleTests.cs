using Enclave.Tests.Infrastructure;

using Microsoft.Playwright;

using static Microsoft.Playwright.Assertions;

namespace Enclave.Tests.Web;

/// <summary>
/// Throttling in the browser, on a fixture of its own: the per-address limit it reaches covers every sign-in from
/// 127.0.0.1 for the rest of the window, so it must not share tables with the other browser tests.
/// </summary>
public sealed class WebThrottleTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task Sign_in_errors_are_clear_and_throttling_says_how_long_to_wait()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        await user.RegisterAsync();
        await user.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await user.ExpectHeadingAsync("Sign in to Enclave");

        await user.FillCredentialsAsync("Sign in", "not the right passphrase");
        await Expect(user.Page.Locator("#notice")).ToBeVisibleAsync();
        await Expect(user.Page.Locator("#notice [data-request-id]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9A-Za-z_-]{10,}$"));
        for (var attempt = 0; attempt < WebFixture.LoginFailuresPerClientIp; attempt++)
        {
            await user.FillCredentialsAsync("Sign in", "not the right passphrase");
        }

        await Expect(user.Page.Locator("#notice")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"Too many attempts\. Try again in \d+ (minutes?|seconds?)\."));
        await user.ScreenshotAsync("throttled");
    }
}
