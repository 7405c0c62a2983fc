using System.Collections.Concurrent;

using Enclave.Tests.Infrastructure;

using Microsoft.Playwright;

using static Microsoft.Playwright.Assertions;

namespace Enclave.Tests.Web;

/// <summary>
/// One person in their own browser context (own cookie jar), working through the web app's UI only.
/// Records every Content-Security-Policy violation and every unsafe /api request it makes.
/// </summary>
public sealed class BrowserUser : IAsyncDisposable
{
    public const string Password = "a long and private passphrase 7";

    private readonly IBrowserContext context;

    private readonly Mailbox mailbox;

    private BrowserUser(IBrowserContext context, IPage page, string email, Mailbox mailbox)
    {
        this.context = context;
        Page = page;
        Email = email;
        this.mailbox = mailbox;
    }

    public IPage Page { get; }

    public string Email { get; }

    public ConcurrentQueue<string> CspViolations { get; } = new();

    /// <summary>Method, path and X-CSRF-Token header (or null) of each unsafe /api request.</summary>
    public ConcurrentQueue<(string Method, string Path, string? Csrf)> UnsafeRequests { get; } = new();

    public static async Task<BrowserUser> OpenAsync(WebFixture fixture, string? email = null, int width = 1100, int height = 860)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.SiteOrigin,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var user = new BrowserUser(context, page, email ?? $"web-{Guid.NewGuid():N}@example.com", fixture.Api.Mailbox);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                user.CspViolations.Enqueue(message.Text);
            }
        };
        page.Request += (_, request) =>
        {
            var path = new Uri(request.Url).AbsolutePath;
            if (request.Method != "GET" && path.StartsWith("/api/", StringComparison.Ordinal))
            {
                user.UnsafeRequests.Enqueue((request.Method, path, request.Headers.TryGetValue("x-csrf-token", out var csrf) ? csrf : null));
            }
        };
        await page.GotoAsync("/");
        return user;
    }

    /// <summary>Registers, opens the link from the mail the sink received, and signs in, as a person would.</summary>
    public async Task RegisterAsync()
    {
        var seen = mailbox.MessagesTo(Email).Count;
        await Page.GetByRole(AriaRole.Link, new() { Name = "Create an account" }).ClickAsync();
        await FillCredentialsAsync("Create account");
        await ExpectHeadingAsync("Check your mail");
        await OpenMailedLinkAsync(seen);
        await ExpectHeadingAsync("Email confirmed");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();
        await SignInAsync();
    }

    /// <summary>Follows the link of the newest mail to this user (after <paramref name="seen"/> earlier ones), read from the real sink.</summary>
    public async Task OpenMailedLinkAsync(int seen)
    {
        var message = await mailbox.WaitForAsync(Email, seen);
        var link = message.TextBody!.Split('\n').Select(l => l.Trim()).First(l => l.Contains("token=", StringComparison.Ordinal)).Split(": ", 2)[1];
        await Page.GotoAsync(link);
    }

    public int MailCount => mailbox.MessagesTo(Email).Count;

    public async Task SignInAsync()
    {
        await FillCredentialsAsync("Sign in");
        await ExpectHeadingAsync("Your sessions");
    }

    public async Task FillCredentialsAsync(string button, string password = Password)
    {
        await Page.GetByLabel("Email").FillAsync(Email);
        await Page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = button, Exact = true }).ClickAsync();
    }

    public Task ExpectHeadingAsync(string name) =>
        Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = name })).ToBeVisibleAsync();

    /// <summary>Creates a session from the list and returns its id (from the page's address).</summary>
    public async Task<string> CreateSessionAsync(string name)
    {
        await Page.GetByLabel("New session name").FillAsync(name);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create session" }).ClickAsync();
        await ExpectHeadingAsync(name);
        return Page.Url.Split("#/sessions/")[1];
    }

    /// <summary>Picks a file with the file picker and waits until the file's row shows a settled status.</summary>
    public async Task<ILocator> UploadAndWaitAsync(string fileName, string mimeType, byte[] content, string expectedStatus = "ready")
    {
        await Page.Locator("#file-picker").SetInputFilesAsync(new FilePayload { Name = fileName, MimeType = mimeType, Buffer = content });
        return await WaitForStatusAsync(fileName, expectedStatus);
    }

    public async Task<ILocator> WaitForStatusAsync(string fileName, string expectedStatus)
    {
        var row = Page.Locator(".upload-item[data-upload-id]", new() { Has = Page.Locator(".file-name", new() { HasTextString = fileName }) });
        await Expect(row.Locator($"[data-status='{expectedStatus}']")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        return row;
    }

    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(WebFixture.ScreenshotDir, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}
