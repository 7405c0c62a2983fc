using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

public sealed class AuthTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Register_answers_the_same_for_a_new_and_a_taken_email_and_mails_each_differently()
    {
        using var client = fixture.Client();
        var mailbox = fixture.Api.Mailbox;
        var email = ApiClient.NewEmail();
        var created = await client.PostAsync("/api/auth/register", new { email = "  " + email.ToUpperInvariant() + " ", password = ApiClient.Password });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var token = await mailbox.WaitForTokenAsync(email);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/auth/verify-email", new { token })).StatusCode);

        var again = await client.PostAsync("/api/auth/register", new { email, password = "another sturdy passphrase" });
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(await created.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal("{\"status\":\"verification-sent\"}", await again.Content.ReadAsStringAsync());
        var taken = await mailbox.WaitForAsync(email, alreadySeen: 1);
        Assert.Contains("already has one", taken.TextBody, StringComparison.Ordinal);
        Assert.Null(Mailbox.TokenIn(taken));

        // The taken address kept its first password.
        using var signIn = fixture.Client();
        await signIn.SignInAsync(email);
    }

    [Theory]
    [InlineData("not-an-email", "a sturdy passphrase 4 tests", "email")]
    [InlineData("ok@example.com", "short", "password")]
    [InlineData("ok@example.com", "password1234", "password")]
    [InlineData("ok@example.com", "aaaaaaaaaaaaaaaaaaaa", "password")]
    [InlineData(null, null, "email")]
    public async Task Register_rejects_bad_fields_with_field_errors(string? email, string? password, string field)
    {
        using var client = fixture.Client();
        var response = await client.PostAsync("/api/auth/register", new { email, password });
        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Login_sets_a_host_only_secure_http_only_strict_cookie_and_returns_a_csrf_token()
    {
        using var client = fixture.Client();
        var email = ApiClient.NewEmail();
        await client.RegisterAndVerifyAsync(email);
        var login = await client.PostAsync("/api/auth/login", new { email, password = ApiClient.Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("__Host-enclave=", cookie, StringComparison.Ordinal);
        var attributes = cookie.Split(';').Select(a => a.Trim().ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("secure", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        Assert.DoesNotContain(attributes, a => a.StartsWith("domain", StringComparison.Ordinal));
        var me = await login.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(me.GetProperty("roles").EnumerateArray());
        Assert.True(me.GetProperty("csrfToken").GetString()!.Length >= 32);
    }

    [Fact]
    public async Task Unknown_email_and_wrong_password_get_the_same_401()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        using var anonymous = fixture.Client();
        var wrongPassword = await anonymous.PostAsync("/api/auth/login", new { email = client.Email, password = "not the right passphrase" });
        var unknownEmail = await anonymous.PostAsync("/api/auth/login", new { email = ApiClient.NewEmail(), password = "not the right passphrase" });
        await Problem.AssertAsync(wrongPassword, HttpStatusCode.Unauthorized);
        await Problem.AssertAsync(unknownEmail, HttpStatusCode.Unauthorized);
        Assert.Equal(await Problem.BodyWithoutRequestIdAsync(wrongPassword), await Problem.BodyWithoutRequestIdAsync(unknownEmail));
        Assert.False(wrongPassword.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Me_returns_the_caller_and_requires_a_sign_in()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var me = await client.GetAsync("/api/me");
        var body = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(client.UserId, body.GetProperty("userId").GetString());
        Assert.Equal(client.CsrfToken, body.GetProperty("csrfToken").GetString());

        using var anonymous = fixture.Client();
        await Problem.AssertAsync(await anonymous.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
        anonymous.Cookie = "AAAA" + client.Cookie![4..];
        await Problem.AssertAsync(await anonymous.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
        anonymous.Cookie = "garbage";
        await Problem.AssertAsync(await anonymous.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Logout_revokes_only_this_sign_in()
    {
        using var first = fixture.Client();
        await first.RegisterAndSignInAsync();
        using var second = fixture.Client();
        await second.SignInAsync(first.Email);
        var revokedCookie = first.Cookie;

        Assert.Equal(HttpStatusCode.NoContent, (await first.PostAsync("/api/auth/logout")).StatusCode);
        first.Cookie = revokedCookie;
        await Problem.AssertAsync(await first.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Logout_all_revokes_every_sign_in_of_the_user_but_not_of_others()
    {
        using var first = fixture.Client();
        await first.RegisterAndSignInAsync();
        using var second = fixture.Client();
        await second.SignInAsync(first.Email);
        using var stranger = fixture.Client();
        await stranger.RegisterAndSignInAsync();
        var firstCookie = first.Cookie;

        Assert.Equal(HttpStatusCode.NoContent, (await second.PostAsync("/api/auth/logout-all")).StatusCode);
        first.Cookie = firstCookie;
        await Problem.AssertAsync(await first.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
        await Problem.AssertAsync(await second.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await stranger.GetAsync("/api/me")).StatusCode);

        await first.SignInAsync();
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/api/me")).StatusCode);
    }

    [Theory]
    [InlineData("POST", "/api/sessions")]
    [InlineData("POST", "/api/auth/logout")]
    [InlineData("POST", "/api/auth/logout-all")]
    public async Task Unsafe_requests_without_the_csrf_header_are_refused_and_change_nothing(string method, string path)
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var refused = await client.SendAsync(new HttpMethod(method), path, new { name = "x" }, sendCsrf: false);
        await Problem.AssertAsync(refused, HttpStatusCode.Forbidden);
        var csrf = client.CsrfToken;
        client.CsrfToken = "wrong" + csrf![5..];
        await Problem.AssertAsync(await client.SendAsync(new HttpMethod(method), path, new { name = "x" }), HttpStatusCode.Forbidden);
        client.CsrfToken = csrf;

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
        var sessions = await (await client.GetAsync("/api/sessions")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(sessions.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Csrf_token_of_one_sign_in_does_not_work_for_another()
    {
        using var first = fixture.Client();
        await first.RegisterAndSignInAsync();
        using var second = fixture.Client();
        await second.RegisterAndSignInAsync();
        second.CsrfToken = first.CsrfToken;
        await Problem.AssertAsync(await second.PostAsync("/api/sessions", new { name = "x" }), HttpStatusCode.Forbidden);
    }
}
