using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

using Enclave.Tests.Infrastructure;

using Microsoft.Playwright;

using static Microsoft.Playwright.Assertions;

namespace Enclave.Tests.Web;

/// <summary>The web app in headless Chromium against the real API, processor and local S3, as people use it.</summary>
public sealed class WebAppTests(WebFixture fixture) : IClassFixture<WebFixture>
{
    private static byte[] Csv(string header, IEnumerable<string> rows) => Encoding.UTF8.GetBytes(header + "\n" + string.Join("\n", rows) + "\n");

    private static byte[] Measurements(string label, int rows, Func<int, double> value) =>
        Csv("id,label,value", Enumerable.Range(0, rows).Select(i => $"{i},{label}{i % 5},{value(i).ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>What the API says about a resource, read in the user's own page with their own cookie.</summary>
    private static async Task<JsonElement> FetchAsync(IPage page, string path)
    {
        var json = await page.EvaluateAsync<string>("async path => JSON.stringify(await (await fetch(path)).json())", path);
        return JsonDocument.Parse(json).RootElement;
    }

    [Fact]
    public async Task Two_people_at_once_each_upload_and_see_only_their_own_sessions_files_and_profiles()
    {
        await using var alice = await BrowserUser.OpenAsync(fixture);
        await using var bob = await BrowserUser.OpenAsync(fixture);
        await alice.ScreenshotAsync("sign-in");

        static async Task<(string Session, string UploadId)> WorkAsync(BrowserUser user, string sessionName, string fileName, byte[] content)
        {
            await user.RegisterAsync();
            var session = await user.CreateSessionAsync(sessionName);
            var row = await user.UploadAndWaitAsync(fileName, "text/csv", content);
            return (session, (await row.GetAttributeAsync("data-upload-id"))!);
        }

        var aliceFile = Measurements("a", 400, i => Math.Sin(i / 20.0) * 10 + 20);
        var results = await Task.WhenAll(
            WorkAsync(alice, "Alice's trial", "alice-temperatures.csv", aliceFile),
            WorkAsync(bob, "Bob's ledger", "bob-amounts.csv", Measurements("b", 300, i => i * i % 997)));
        var (aliceSession, aliceUpload) = results[0];
        var (bobSession, bobUpload) = results[1];
        await alice.ScreenshotAsync("session");

        // Download follows the presigned link, which the browser saves as an attachment: the same bytes come back.
        var download = await alice.Page.RunAndWaitForDownloadAsync(() => alice.Page.GetByRole(AriaRole.Button, new() { Name = "Download" }).ClickAsync());
        await using (var saved = await download.CreateReadStreamAsync())
        using (var copy = new MemoryStream())
        {
            await saved.CopyToAsync(copy);
            Assert.Equal(aliceFile, copy.ToArray());
        }

        // Each list shows only its owner's session; each session page only its owner's file.
        foreach (var (user, own, foreign) in new[] { (alice, "Alice's trial", "Bob's ledger"), (bob, "Bob's ledger", "Alice's trial") })
        {
            await user.Page.GetByRole(AriaRole.Link, new() { Name = "← All sessions" }).ClickAsync();
            await user.ExpectHeadingAsync("Your sessions");
            var sessions = user.Page.GetByRole(AriaRole.List, new() { Name = "Your sessions" });
            await Expect(sessions.GetByRole(AriaRole.Link, new() { Name = own })).ToBeVisibleAsync();
            Assert.Equal(1, await sessions.GetByRole(AriaRole.Listitem).CountAsync());
            await Expect(user.Page.GetByRole(AriaRole.Button, new() { Name = "Show more" })).ToBeHiddenAsync();
            Assert.DoesNotContain(foreign, await user.Page.ContentAsync(), StringComparison.Ordinal);
        }

        await alice.ScreenshotAsync("sessions");

        // Another person's addresses look exactly like ones that never existed, with the request id to quote.
        await bob.Page.GotoAsync($"/#/sessions/{aliceSession}");
        await bob.ExpectHeadingAsync("Session not available");
        await Expect(bob.Page.Locator("#notice [data-request-id]")).ToBeVisibleAsync();
        await bob.Page.GotoAsync($"/#/sessions/{aliceSession}/uploads/{aliceUpload}");
        await bob.ExpectHeadingAsync("Profile not available");
        Assert.DoesNotContain("alice-temperatures.csv", await bob.Page.ContentAsync(), StringComparison.Ordinal);

        foreach (var (user, session, upload, fileName) in new[]
                 {
                     (alice, aliceSession, aliceUpload, "alice-temperatures.csv"), (bob, bobSession, bobUpload, "bob-amounts.csv"),
                 })
        {
            await user.Page.GotoAsync($"/#/sessions/{session}");
            await user.Page.GetByRole(AriaRole.Link, new() { Name = "View profile" }).ClickAsync();
            await user.ExpectHeadingAsync("Profile of " + fileName);
            await AssertChartsMatchTheProfileAsync(user.Page, session, upload);
        }

        await alice.ScreenshotAsync("profile");
        Assert.Empty(alice.CspViolations);
        Assert.Empty(bob.CspViolations);
    }

    /// <summary>One SVG chart per numeric column; bar count, counts and heights come from the stored histogram.</summary>
    private static async Task AssertChartsMatchTheProfileAsync(IPage page, string session, string upload)
    {
        var profile = await FetchAsync(page, $"/api/sessions/{session}/uploads/{upload}/profile");
        var numeric = profile.GetProperty("tables")[0].GetProperty("columns").EnumerateArray()
            .Where(c => c.GetProperty("histogram").ValueKind == JsonValueKind.Object).ToList();
        Assert.Equal(2, numeric.Count); // id and value

        // Top values as the profile states them: an all-distinct column says so; exact counts are shown as they are.
        var table = profile.GetProperty("tables")[0];
        long rows = table.GetProperty("rowCount").GetInt64();
        foreach (var column in table.GetProperty("columns").EnumerateArray())
        {
            var row = page.Locator($"table.stats tbody tr:has(th:text-is('{column.GetProperty("name").GetString()}'))");
            var cell = await row.Locator("td:last-child").InnerTextAsync();
            string status = column.GetProperty("topValuesStatus").GetString()!;
            Assert.Equal(status == "allDistinct", cell == "all (or nearly all) values distinct");
            if (status == "exact" && column.GetProperty("topValues").GetArrayLength() > 0)
            {
                var top = column.GetProperty("topValues")[0];
                Assert.StartsWith($"{top.GetProperty("value").GetString()} ({top.GetProperty("count").GetInt64().ToString("N0", CultureInfo.InvariantCulture)})", cell);
            }

            double nullPercent = 100.0 * column.GetProperty("nullCount").GetInt64() / rows;
            string shown = await row.Locator("td[data-null-percent]").InnerTextAsync();
            Assert.Equal(nullPercent, double.Parse(shown.TrimEnd(' ', '%'), CultureInfo.InvariantCulture), 1);
        }

        Assert.Equal("allDistinct", table.GetProperty("columns")[0].GetProperty("topValuesStatus").GetString());

        // Alerts as badges, one per stored alert; the preview as a table of the stored rows.
        var alerts = table.GetProperty("alerts").EnumerateArray().Select(a => $"{a.GetProperty("column").GetString()}: {a.GetProperty("message").GetString()}").ToList();
        Assert.Equal(alerts, await page.Locator("ul.alerts li.badge").AllInnerTextsAsync());
        var preview = table.GetProperty("preview");
        Assert.Equal(preview.GetArrayLength(), await page.Locator("table.preview-table tbody tr").CountAsync());
        Assert.Equal(preview[0][0].GetString() ?? "", await page.Locator("table.preview-table tbody tr:first-child td:first-child").InnerTextAsync());

        Assert.Equal(numeric.Count, await page.Locator("figure.chart svg.histogram").CountAsync());
        foreach (var column in numeric)
        {
            var counts = column.GetProperty("histogram").GetProperty("counts").EnumerateArray().Select(c => c.GetInt64()).ToList();
            var bars = page.Locator($"figure.chart[data-column='{column.GetProperty("name").GetString()}'] rect.bar");
            Assert.Equal(counts.Count, await bars.CountAsync());
            var heights = new List<double>();
            for (var i = 0; i < counts.Count; i++)
            {
                Assert.Equal(counts[i].ToString(CultureInfo.InvariantCulture), await bars.Nth(i).GetAttributeAsync("data-count"));
                heights.Add(double.Parse((await bars.Nth(i).GetAttributeAsync("height"))!, CultureInfo.InvariantCulture));
            }

            var tallest = heights.Max();
            Assert.True(tallest > 50);
            for (var i = 0; i < counts.Count; i++)
            {
                Assert.Equal((double)counts[i] / counts.Max(), heights[i] / tallest, 2);
            }
        }
    }

    [Fact]
    public async Task The_progress_bar_moves_while_the_file_goes_straight_to_storage()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        // Records every value the page gives a progress bar (set through the DOM, so attribute changes).
        await user.Page.AddInitScriptAsync("""
            window.progressSeen = [];
            new MutationObserver(changes => changes.forEach(c => {
              if (c.target instanceof HTMLProgressElement) window.progressSeen.push(c.target.value);
            })).observe(document, { subtree: true, attributes: true, attributeFilter: ['value'] });
            """);
        await user.Page.ReloadAsync();
        await user.RegisterAsync();
        await user.CreateSessionAsync("big file");
        var file = Measurements("row", 80_000, i => i % 1000 / 7.0);
        Assert.True(file.Length > 2 * 1024 * 1024);
        var s3Posts = 0;
        user.Page.Request += (_, request) =>
        {
            if (request.Url.StartsWith(fixture.Stack.S3Url, StringComparison.Ordinal) && request.Method == "POST")
            {
                Interlocked.Increment(ref s3Posts);
            }
        };

        // Loopback is too fast to watch, so Chromium's own network throttling stretches the upload to about 2 s.
        var cdp = await user.Page.Context.NewCDPSessionAsync(user.Page);
        await cdp.SendAsync("Network.enable");
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false,
            ["latency"] = 0,
            ["downloadThroughput"] = -1,
            ["uploadThroughput"] = 1024 * 1024,
        });
        await user.UploadAndWaitAsync("big.csv", "text/csv", file);
        var seen = await user.Page.EvaluateAsync<double[]>("window.progressSeen");
        Assert.True(seen.Where(v => v is > 0 and < 100).Distinct().Count() >= 3, "progress values seen: " + string.Join(", ", seen));
        Assert.Equal(seen.Order(), seen);
        Assert.Equal(100, seen.Max());
        Assert.Equal(1, s3Posts);
        Assert.Empty(user.CspViolations);
    }

    [Fact]
    public async Task A_file_dropped_on_the_page_that_fails_its_checks_shows_the_reason()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        await user.RegisterAsync();
        var session = await user.CreateSessionAsync("drops");
        var transfer = await user.Page.EvaluateHandleAsync("""
            () => {
              const transfer = new DataTransfer();
              transfer.items.add(new File(['a,b\n1,2,3\n"unbalanced\n'], 'broken.csv', { type: 'text/csv' }));
              return transfer;
            }
            """);
        await user.Page.Locator(".drop-zone").DispatchEventAsync("drop", new Dictionary<string, object> { ["dataTransfer"] = transfer });
        var row = await user.WaitForStatusAsync("broken.csv", "rejected");
        var upload = (await row.GetAttributeAsync("data-upload-id"))!;
        var stored = await FetchAsync(user.Page, $"/api/sessions/{session}/uploads/{upload}");
        var reason = stored.GetProperty("reason").GetString();
        Assert.False(string.IsNullOrWhiteSpace(reason));
        await Expect(row.Locator(".reason")).ToHaveTextAsync(reason!);
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = "View profile" })).ToHaveCountAsync(0);
        await user.ScreenshotAsync("rejected");

        // Deleting asks first; cancelling keeps the file, confirming removes it.
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete broken.csv" }).ClickAsync();
        await user.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(row).ToBeVisibleAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete broken.csv" }).ClickAsync();
        await user.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete file" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        Assert.Empty((await FetchAsync(user.Page, $"/api/sessions/{session}/uploads")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Signing_out_everywhere_in_one_browser_ends_the_other_browsers_access()
    {
        await using var laptop = await BrowserUser.OpenAsync(fixture);
        await laptop.RegisterAsync();
        await using var phone = await BrowserUser.OpenAsync(fixture, laptop.Email, width: 375, height: 740);
        await phone.SignInAsync();
        await phone.CreateSessionAsync("on the phone");
        await phone.ScreenshotAsync("phone-session");
        await phone.Page.GetByRole(AriaRole.Link, new() { Name = "← All sessions" }).ClickAsync();

        var signOutEverywhere = laptop.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out everywhere" });
        await signOutEverywhere.ClickAsync();
        await laptop.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(laptop.Page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.OK, (HttpStatusCode)await phone.Page.EvaluateAsync<int>("async () => (await fetch('/api/me')).status"));
        await signOutEverywhere.ClickAsync();
        await laptop.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Sign out everywhere" }).ClickAsync();
        await laptop.ExpectHeadingAsync("Sign in to Enclave");

        // The phone's next action is refused and lands on sign-in, and a reload stays there.
        await phone.Page.GetByLabel("New session name").FillAsync("after sign-out");
        await phone.Page.GetByRole(AriaRole.Button, new() { Name = "Create session" }).ClickAsync();
        await phone.ExpectHeadingAsync("Sign in to Enclave");
        await Expect(phone.Page.Locator("#notice")).ToContainTextAsync("Your sign-in has ended");
        await phone.Page.ReloadAsync();
        await phone.ExpectHeadingAsync("Sign in to Enclave");
        Assert.Equal(HttpStatusCode.Unauthorized, (HttpStatusCode)await phone.Page.EvaluateAsync<int>("async () => (await fetch('/api/me')).status"));
    }

    [Fact]
    public async Task A_forgotten_password_is_reset_from_the_mailed_link_and_ends_every_sign_in()
    {
        await using var laptop = await BrowserUser.OpenAsync(fixture);
        await laptop.RegisterAsync();
        await using var phone = await BrowserUser.OpenAsync(fixture, laptop.Email, width: 375, height: 740);
        await phone.Page.GetByRole(AriaRole.Link, new() { Name = "Forgot your password?" }).ClickAsync();
        await phone.ExpectHeadingAsync("Forgot your password?");
        Assert.Equal("Forgot your password? · Enclave", await phone.Page.TitleAsync());
        var seen = phone.MailCount;
        await phone.Page.GetByLabel("Email").FillAsync(phone.Email);
        await phone.Page.GetByRole(AriaRole.Button, new() { Name = "Send reset link" }).ClickAsync();
        await phone.ExpectHeadingAsync("Check your mail");

        await phone.OpenMailedLinkAsync(seen);
        await phone.ExpectHeadingAsync("Choose a new password");
        const string newPassword = "a fresh and private passphrase 8";
        await phone.Page.GetByLabel("New password").FillAsync(newPassword);
        await phone.Page.GetByRole(AriaRole.Button, new() { Name = "Set new password" }).ClickAsync();
        await phone.ExpectHeadingAsync("Password changed");

        await laptop.Page.ReloadAsync();
        await laptop.ExpectHeadingAsync("Sign in to Enclave");
        await phone.Page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();
        await phone.FillCredentialsAsync("Sign in", newPassword);
        await phone.ExpectHeadingAsync("Your sessions");
    }

    [Fact]
    public async Task A_person_changes_their_password_then_deletes_the_account_with_everything_in_it()
    {
        await using var laptop = await BrowserUser.OpenAsync(fixture);
        await laptop.RegisterAsync();
        await using var phone = await BrowserUser.OpenAsync(fixture, laptop.Email, width: 375, height: 740);
        await phone.SignInAsync();
        var session = await laptop.CreateSessionAsync("to be erased");
        await laptop.UploadAndWaitAsync("erase-me.csv", "text/csv", Csv("a,b", ["1,2", "3,4"]));
        var page = laptop.Page;
        var notice = page.Locator("#notice");

        await page.GetByRole(AriaRole.Link, new() { Name = "Account" }).ClickAsync();
        await laptop.ExpectHeadingAsync("Your account");
        Assert.Equal("Your account · Enclave", await page.TitleAsync());
        await laptop.ScreenshotAsync("account");
        const string newPassword = "a changed and private passphrase 9";
        var current = page.GetByLabel("Current password");
        await current.FillAsync("not my password at all");
        await page.GetByLabel("New password").FillAsync(newPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(notice).ToContainTextAsync("The current password is not correct.");
        await Expect(current).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(current).ToBeFocusedAsync();
        Assert.Equal(HttpStatusCode.OK, (HttpStatusCode)await phone.Page.EvaluateAsync<int>("async () => (await fetch('/api/me')).status"));

        await current.FillAsync(BrowserUser.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(notice).ToContainTextAsync("Your password is changed. Every other sign-in has ended.");
        await Expect(current).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(current).ToHaveValueAsync("");
        await phone.Page.ReloadAsync();
        await phone.ExpectHeadingAsync("Sign in to Enclave");
        Assert.Equal(HttpStatusCode.OK, (HttpStatusCode)await page.EvaluateAsync<int>("async () => (await fetch('/api/me')).status"));

        // Deleting asks for the password and a typed confirmation; a wrong password or a missing word changes nothing.
        var password = page.GetByLabel("Password", new() { Exact = true });
        var confirmation = page.GetByLabel("To confirm, type “delete”");
        var delete = page.GetByRole(AriaRole.Button, new() { Name = "Delete my account" });
        await password.FillAsync(newPassword);
        await confirmation.FillAsync("yes");
        await delete.ClickAsync();
        await Expect(notice).ToContainTextAsync("Type “delete” to confirm.");
        await Expect(confirmation).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(confirmation).ToBeFocusedAsync();
        await password.FillAsync(BrowserUser.Password);
        await confirmation.FillAsync("delete");
        await delete.ClickAsync();
        await Expect(notice).ToContainTextAsync("The password is not correct.");
        await Expect(password).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal(1, (await FetchAsync(page, "/api/sessions")).GetProperty("items").GetArrayLength());

        await password.FillAsync(newPassword);
        await delete.ClickAsync();
        await laptop.ExpectHeadingAsync("Sign in to Enclave");
        await Expect(notice).ToContainTextAsync("Your account and every file in it are deleted.");
        await laptop.FillCredentialsAsync("Sign in", newPassword);
        await Expect(notice).Not.ToContainTextAsync("deleted");
        await laptop.ExpectHeadingAsync("Sign in to Enclave");
        Assert.Equal(HttpStatusCode.Unauthorized, (HttpStatusCode)await page.EvaluateAsync<int>("async () => (await fetch('/api/me')).status"));
        Assert.Equal(HttpStatusCode.Unauthorized, (HttpStatusCode)await page.EvaluateAsync<int>(
            "async path => (await fetch(path)).status", $"/api/sessions/{session}"));
        Assert.Empty(laptop.CspViolations);
    }

    [Fact]
    public async Task The_csrf_token_lives_in_memory_only_and_comes_back_from_me_after_a_reload()
    {
        await using var user = await BrowserUser.OpenAsync(fixture);
        await user.RegisterAsync();
        await user.CreateSessionAsync("before reload");
        await user.Page.ReloadAsync();
        await user.ExpectHeadingAsync("before reload");
        await user.Page.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await user.Page.GetByLabel("Session name").FillAsync("after reload");
        await user.Page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await user.ExpectHeadingAsync("after reload");

        var signedIn = user.UnsafeRequests.Where(r => r.Path is not ("/api/auth/register" or "/api/auth/verify-email" or "/api/auth/login")).ToList();
        Assert.Contains(signedIn, r => r.Method == "PATCH");
        Assert.All(signedIn, r => Assert.False(string.IsNullOrEmpty(r.Csrf)));
        Assert.Equal(0, await user.Page.EvaluateAsync<int>("localStorage.length + sessionStorage.length"));
        Assert.Equal("", await user.Page.EvaluateAsync<string>("document.cookie"));

        await user.Page.GetByRole(AriaRole.Button, new() { Name = "Delete session" }).ClickAsync();
        await user.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete session" }).ClickAsync();
        await user.ExpectHeadingAsync("Your sessions");
        await Expect(user.Page.GetByText("No sessions yet.")).ToBeVisibleAsync();
        Assert.Contains(user.UnsafeRequests, r => r.Method == "DELETE" && !string.IsNullOrEmpty(r.Csrf));
        Assert.Empty(user.CspViolations);
    }

    [Fact]
    public async Task Pages_carry_the_strict_policy_and_cache_headers_and_api_responses_stay_no_store()
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.SiteOrigin) };
        var page = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Equal(
            $"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' {fixture.Stack.S3Url}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            policy);
        Assert.Equal("no-cache", page.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(page.Headers.Contains("X-Request-Id"));

        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        var script = System.Text.RegularExpressions.Regex.Match(html, "src=\"(/assets/main-[^\"]+\\.js)\"").Groups[1].Value;
        var asset = await http.GetAsync(script);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", asset.Headers.GetValues("Cache-Control").Single());
        Assert.Equal(policy, asset.Headers.GetValues("Content-Security-Policy").Single());

        var api = await http.GetAsync("/api/health");
        Assert.Equal("no-store", api.Headers.CacheControl?.ToString());
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", api.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_bucket_allows_cross_origin_posts_from_the_site_only(bool fromSite)
    {
        var origin = fromSite ? fixture.SiteOrigin : "http://127.0.0.1:1";
        using var http = new HttpClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, $"{fixture.Stack.S3Url}/{fixture.Storage.Bucket}");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var response = await http.SendAsync(preflight);
        var allowed = response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;
        Assert.Equal(fromSite ? origin : null, allowed);
    }

    [Fact]
    public async Task Start_up_is_refused_when_the_web_root_has_no_app()
    {
        var empty = Directory.CreateTempSubdirectory("enclave-empty-web");
        try
        {
            var settings = ApiProcess.Settings(fixture.Stack, TestStorage.Create());
            settings["Enclave__Web__Root"] = empty.FullName;
            settings["Enclave__Web__UploadOrigin"] = fixture.Stack.S3Url + "/not-an-origin";
            var (exitCode, output) = await ApiProcess.RunToExitAsync(settings);
            Assert.Equal(78, exitCode);
            Assert.Contains("Enclave:Web:Root must be a folder that holds index.html", output, StringComparison.Ordinal);
            Assert.Contains("Enclave:Web:UploadOrigin must be an origin", output, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
