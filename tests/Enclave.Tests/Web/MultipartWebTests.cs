using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Enclave.Tests.Infrastructure;
using Microsoft.Playwright;

using static Microsoft.Playwright.Assertions;

namespace Enclave.Tests.Web;

/// <summary>The web app with 5 MiB parts above 6 MiB (RGW's smallest part), so a multipart file is a few MiB.</summary>
public sealed class MultipartWebFixture : WebFixture
{
    public const int PartBytes = 5 * 1024 * 1024;

    protected override void Configure(Dictionary<string, string> settings)
    {
        base.Configure(settings);
        settings["Enclave__Limits__MinPartBytes"] = PartBytes.ToString(CultureInfo.InvariantCulture);
        settings["Enclave__Limits__MultipartThresholdBytes"] = (6L * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Uploads in headless Chromium against the real API and RGW, the network shaped by Playwright routing:
/// parts in parallel, a failed part retried, pause, cancel, resume after a reload, rows that stay live and in order.
/// </summary>
public sealed class MultipartWebTests(MultipartWebFixture fixture) : IClassFixture<MultipartWebFixture>, IDisposable
{
    private readonly string scratch = Directory.CreateTempSubdirectory("enclave-web-multipart-").FullName;

    public void Dispose() => Directory.Delete(scratch, recursive: true);

    private static byte[] Csv(int bytes)
    {
        var csv = new StringBuilder("id,label,value\n", bytes + 64);
        for (var i = 0; csv.Length < bytes; i++)
        {
            csv.Append(i).Append(",label").Append(i % 5).Append(',').Append((i % 1000 / 7.0).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return Encoding.ASCII.GetBytes(csv.ToString());
    }

    /// <summary>A file on disk, so the browser sees a real last-modified time that stays the same when it is picked again.</summary>
    private string FileOnDisk(string name, byte[] content, string? folder = null)
    {
        var directory = Path.Combine(scratch, folder ?? "files");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static int? PartNumberOf(IRequest request) =>
        request.Method == "PUT" && System.Web.HttpUtility.ParseQueryString(new Uri(request.Url).Query)["partNumber"] is { } part
            ? int.Parse(part, CultureInfo.InvariantCulture)
            : null;

    /// <summary>What the API says, read in the user's own page with their own cookie.</summary>
    private static async Task<JsonElement> FetchAsync(IPage page, string path)
    {
        var json = await page.EvaluateAsync<string>("async path => JSON.stringify(await (await fetch(path)).json())", path);
        return JsonDocument.Parse(json).RootElement;
    }

    /// <summary>Polls the API until storage holds <paramref name="count"/> parts of the upload (a deadline, not a sleep).</summary>
    private static async Task WaitForStoredPartsAsync(IPage page, string sessionId, string uploadId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var parts = await FetchAsync(page, $"/api/sessions/{sessionId}/uploads/{uploadId}/parts");
            if (parts.GetProperty("parts").GetArrayLength() >= count)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"storage never held {count} parts");
            await page.WaitForTimeoutAsync(100);
        }
    }

    private static ILocator RowOf(IPage page, string fileName) =>
        page.Locator(".upload-item", new() { Has = page.Locator(".file-name", new() { HasTextString = fileName }) });

    /// <summary>Parts up to <paramref name="passing"/> go through; later ones are held until the test lets them fail.</summary>
    private sealed class PartGate
    {
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<int> Stored { get; } = new();

        public ConcurrentQueue<int> Held { get; } = new();

        public bool Open { get; set; }

        public async Task HandleAsync(IRoute route, int passing)
        {
            if (PartNumberOf(route.Request) is not { } part)
            {
                await route.ContinueAsync();
                return;
            }

            if (Open || part <= passing)
            {
                Stored.Enqueue(part);
                await route.ContinueAsync();
                return;
            }

            Held.Enqueue(part);
            await released.Task;
            try
            {
                await route.AbortAsync("connectionreset");
            }
            catch (PlaywrightException)
            {
                // The page already gave up on this request (reload, pause): nothing left to fail.
            }
        }

        /// <summary>Fails every held part and lets every later one through.</summary>
        public void Release()
        {
            Open = true;
            released.TrySetResult();
        }
    }

    [Fact]
    public async Task A_big_file_goes_in_parts_and_a_part_that_fails_once_is_sent_again()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        await user.RegisterAsync();
        await user.CreateSessionAsync("parts");

        // Every part PUT that reaches storage, by part number; the first try of part 2 is failed by the network.
        var puts = new ConcurrentQueue<int>();
        var failedOnce = 0;
        await user.Page.RouteAsync(fixture.Stack.S3Url + "/**", async route =>
        {
            if (PartNumberOf(route.Request) is { } part)
            {
                if (part == 2 && Interlocked.Exchange(ref failedOnce, 1) == 0)
                {
                    await route.AbortAsync("connectionreset");
                    return;
                }

                puts.Enqueue(part);
            }

            await route.ContinueAsync();
        });

        await user.UploadAndWaitAsync("parts.csv", "text/csv", Csv(12 * 1024 * 1024));
        Assert.Equal(1, failedOnce);
        Assert.Equal([1, 2, 3], puts.Order());
        Assert.Empty(user.CspViolations);
    }

    [Fact]
    public async Task A_reload_mid_upload_leaves_a_resumable_row_and_picking_the_same_file_sends_only_the_missing_parts()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        await user.RegisterAsync();
        var sessionId = await user.CreateSessionAsync("resume");
        var content = Csv((40 * 1024 * 1024) - 100);
        var partCount = (content.Length + MultipartWebFixture.PartBytes - 1) / MultipartWebFixture.PartBytes;
        Assert.Equal(8, partCount);
        var path = FileOnDisk("big.csv", content);

        var gate = new PartGate();
        await user.Page.RouteAsync(fixture.Stack.S3Url + "/**", route => gate.HandleAsync(route, passing: 3));
        await user.Page.Locator("#file-picker").SetInputFilesAsync(path);
        var row = RowOf(user.Page, "big.csv");
        await Expect(row.Locator("[data-status='uploading']")).ToBeVisibleAsync();
        var uploadId = (await row.GetAttributeAsync("data-upload-id"))!;
        await WaitForStoredPartsAsync(user.Page, sessionId, uploadId, 3);

        await user.Page.ReloadAsync();
        gate.Release();
        await Expect(row.Locator("[data-status='interrupted']")).ToHaveTextAsync("Interrupted: pick the same file to resume");
        var resume = row.GetByRole(AriaRole.Button, new() { Name = "Resume uploading big.csv" });

        // Another file of the same name is refused before a byte is sent.
        var impostor = FileOnDisk("big.csv", Csv(1024), "other");
        var chooser = await user.Page.RunAndWaitForFileChooserAsync(() => resume.ClickAsync());
        await chooser.SetFilesAsync(impostor);
        await Expect(row.GetByRole(AriaRole.Alert)).ToContainTextAsync("That is not the same file");

        var storedBefore = gate.Stored.Count;
        chooser = await user.Page.RunAndWaitForFileChooserAsync(() => resume.ClickAsync());
        await chooser.SetFilesAsync(path);
        await user.WaitForStatusAsync("big.csv", "ready");

        Assert.Equal([1, 2, 3], gate.Stored.Take(storedBefore).Order());
        Assert.Equal([4, 5, 6, 7, 8], gate.Stored.Skip(storedBefore).Order());
        var stored = await FetchAsync(user.Page, $"/api/sessions/{sessionId}/uploads/{uploadId}");
        Assert.Equal(content.Length, stored.GetProperty("size").GetInt64());
        Assert.Empty(user.CspViolations);
    }

    [Fact]
    public async Task Pause_stops_the_parts_in_flight_and_resume_sends_only_the_rest()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        await user.RegisterAsync();
        var sessionId = await user.CreateSessionAsync("pause");
        var gate = new PartGate();
        await user.Page.RouteAsync(fixture.Stack.S3Url + "/**", route => gate.HandleAsync(route, passing: 1));
        await user.Page.Locator("#file-picker").SetInputFilesAsync(FileOnDisk("paused.csv", Csv(14 * 1024 * 1024)));
        var row = RowOf(user.Page, "paused.csv");
        await Expect(row.Locator("[data-status='uploading']")).ToBeVisibleAsync();
        await WaitForStoredPartsAsync(user.Page, sessionId, (await row.GetAttributeAsync("data-upload-id"))!, 1);

        await row.GetByRole(AriaRole.Button, new() { Name = "Pause uploading paused.csv" }).ClickAsync();
        await Expect(row.Locator("[data-status='paused']")).ToBeVisibleAsync();
        await Expect(row.GetByTestId("upload-figures")).ToContainTextAsync("5.0 MiB of 14 MiB");
        gate.Release();
        var storedBefore = gate.Stored.Count;

        await row.GetByRole(AriaRole.Button, new() { Name = "Resume uploading paused.csv" }).ClickAsync();
        await user.WaitForStatusAsync("paused.csv", "ready");
        Assert.Equal([1], gate.Stored.Take(storedBefore));
        Assert.Equal([2, 3], gate.Stored.Skip(storedBefore).Order());
    }

    [Fact]
    public async Task Cancel_removes_the_upload_from_the_list_and_from_the_server()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        await user.RegisterAsync();
        var sessionId = await user.CreateSessionAsync("cancel");
        var gate = new PartGate();
        await user.Page.RouteAsync(fixture.Stack.S3Url + "/**", route => gate.HandleAsync(route, passing: 1));
        await user.Page.Locator("#file-picker").SetInputFilesAsync(FileOnDisk("dropped.csv", Csv(12 * 1024 * 1024)));
        var row = RowOf(user.Page, "dropped.csv");
        await Expect(row.Locator("[data-status='uploading']")).ToBeVisibleAsync();
        var uploadId = (await row.GetAttributeAsync("data-upload-id"))!;

        await row.GetByRole(AriaRole.Button, new() { Name = "Cancel uploading dropped.csv" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        gate.Release();
        Assert.Equal(0, (await FetchAsync(user.Page, $"/api/sessions/{sessionId}/uploads")).GetProperty("items").GetArrayLength());
        Assert.Equal(404, await user.Page.EvaluateAsync<int>("async path => (await fetch(path)).status", $"/api/sessions/{sessionId}/uploads/{uploadId}"));
        await user.Page.ReloadAsync();
        await Expect(user.Page.Locator(".upload-list .empty")).ToHaveTextAsync("No files yet.");
    }

    [Fact]
    public async Task A_row_left_mid_upload_is_still_live_when_the_session_is_opened_again_without_a_reload()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        await user.RegisterAsync();
        await user.CreateSessionAsync("come back");
        await user.Page.EvaluateAsync("() => { window.sameDocument = true; }");

        // The single form POST is held until the person has left the session and come back.
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await user.Page.RouteAsync(fixture.Stack.S3Url + "/**", async route =>
        {
            if (route.Request.Method == "POST")
            {
                held.TrySetResult();
                await released.Task;
            }

            await route.ContinueAsync();
        });
        await user.Page.Locator("#file-picker").SetInputFilesAsync(FileOnDisk("small.csv", Csv(4096)));
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await user.Page.GetByRole(AriaRole.Link, new() { Name = "← All sessions" }).ClickAsync();
        await user.ExpectHeadingAsync("Your sessions");
        await user.Page.GetByRole(AriaRole.Link, new() { Name = "come back" }).ClickAsync();
        await user.ExpectHeadingAsync("come back");
        await Expect(RowOf(user.Page, "small.csv").Locator("[data-status='uploading']")).ToBeVisibleAsync();

        released.SetResult();
        await user.WaitForStatusAsync("small.csv", "ready");
        Assert.True(await user.Page.EvaluateAsync<bool>("() => window.sameDocument === true"), "the page was reloaded");
    }

    [Fact]
    public async Task Files_chosen_together_keep_the_chosen_order_while_uploading_and_after_a_reload()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        await user.RegisterAsync();
        await user.CreateSessionAsync("order");
        string[] names = ["first.csv", "second.csv", "third.csv"];
        await user.Page.Locator("#file-picker").SetInputFilesAsync(names.Select(n => FileOnDisk(n, Csv(2048))));
        var fileNames = user.Page.Locator(".upload-list .upload-item .file-name");
        await Expect(fileNames).ToHaveTextAsync(names);
        foreach (var name in names)
        {
            await user.WaitForStatusAsync(name, "ready");
        }

        await Expect(fileNames).ToHaveTextAsync(names);
        await user.Page.ReloadAsync();
        await Expect(user.Page.Locator(".upload-list .upload-item[data-upload-id] .file-name")).ToHaveTextAsync(names);
    }

    [Fact]
    public async Task A_single_form_upload_cut_by_a_reload_says_so_and_can_be_removed()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        await user.RegisterAsync();
        var sessionId = await user.CreateSessionAsync("cut");
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await user.Page.RouteAsync(fixture.Stack.S3Url + "/**", route =>
        {
            held.TrySetResult();
            return Task.CompletedTask; // never answered: the reload ends it
        });
        await user.Page.Locator("#file-picker").SetInputFilesAsync(FileOnDisk("cut.csv", Csv(4096)));
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await user.Page.UnrouteAllAsync(new() { Behavior = UnrouteBehavior.IgnoreErrors });
        await user.Page.ReloadAsync();

        var row = RowOf(user.Page, "cut.csv");
        await Expect(row.Locator("[data-status='interrupted']")).ToHaveTextAsync("Interrupted: upload it again");
        await row.GetByRole(AriaRole.Button, new() { Name = "Remove cut.csv" }).ClickAsync();
        await user.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete file" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        Assert.Equal(0, (await FetchAsync(user.Page, $"/api/sessions/{sessionId}/uploads")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_file_dropped_outside_the_drop_zone_uploads_to_the_open_session()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        await user.RegisterAsync();
        await user.CreateSessionAsync("drop anywhere");
        var transfer = await user.Page.EvaluateHandleAsync("""
            () => { const t = new DataTransfer(); t.items.add(new File(['id,v\n1,2\n'], 'anywhere.csv', { type: 'text/csv' })); return t; }
            """);
        var dragOver = await user.Page.EvaluateAsync<bool>("""
            t => { const e = new DragEvent('dragover', { dataTransfer: t, bubbles: true, cancelable: true }); document.querySelector('h1').dispatchEvent(e); return e.defaultPrevented; }
            """, transfer);
        Assert.True(dragOver, "dragover outside the zone must be cancelled, or the drop would open the file");
        await user.Page.Locator("h1").DispatchEventAsync("drop", new Dictionary<string, object> { ["dataTransfer"] = transfer });
        await user.WaitForStatusAsync("anywhere.csv", "ready");
    }
}
