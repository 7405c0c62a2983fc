using System.Net.Http.Json;
using System.Text.Json;

namespace Enclave.Tests.Infrastructure;

/// <summary>
/// A browser-like client: keeps the sign-in cookie and the CSRF token, and sends the header on unsafe
/// methods. Cookies are handled by hand because HttpClient will not send a Secure cookie over http.
/// </summary>
public sealed class ApiClient(HttpClient http) : IDisposable
{
    public const string CookieName = "__Host-enclave";

    public string? Cookie { get; set; }

    public string? CsrfToken { get; set; }

    public string? UserId { get; private set; }

    public string? Email { get; private set; }

    public HttpClient Http => http;

    /// <summary>Where the API's mail lands, for reading verification and reset links.</summary>
    public Mailbox? Mailbox { get; init; }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, bool sendCsrf = true, string? rawBody = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (rawBody is not null)
        {
            request.Content = new StringContent(rawBody, System.Text.Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (Cookie is not null)
        {
            request.Headers.Add("Cookie", $"{CookieName}={Cookie}");
        }

        if (sendCsrf && CsrfToken is not null && method != HttpMethod.Get)
        {
            request.Headers.Add("X-CSRF-Token", CsrfToken);
        }

        var response = await http.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
        {
            foreach (var cookie in cookies.Where(c => c.StartsWith(CookieName + "=", StringComparison.Ordinal)))
            {
                var value = cookie[(CookieName.Length + 1)..].Split(';')[0];
                Cookie = value.Length == 0 ? null : value;
            }
        }

        return response;
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) => SendAsync(HttpMethod.Post, path, body);

    public static string NewEmail() => $"user-{Guid.NewGuid():N}@example.com";

    public const string Password = "a sturdy passphrase 4 tests";

    public async Task<ApiClient> RegisterAndSignInAsync(string? email = null)
    {
        await RegisterAndVerifyAsync(email ?? NewEmail());
        await SignInAsync();
        return this;
    }

    /// <summary>Registers, reads the verification link from the real mail sink and uses it, as a person would.</summary>
    public async Task RegisterAndVerifyAsync(string email, string password = Password)
    {
        Email = email;
        var mailbox = Mailbox ?? throw new InvalidOperationException("This client has no mailbox: create it with ApiProcess.CreateClient().");
        var seen = mailbox.MessagesTo(email).Count;
        var register = await PostAsync("/api/auth/register", new { email, password });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, register.StatusCode);
        var token = await mailbox.WaitForTokenAsync(email, seen);
        var verify = await PostAsync("/api/auth/verify-email", new { token });
        Assert.Equal(System.Net.HttpStatusCode.NoContent, verify.StatusCode);
    }

    public async Task SignInAsync(string? email = null)
    {
        Email = email ?? Email;
        var login = await PostAsync("/api/auth/login", new { email = Email, password = Password });
        Assert.Equal(System.Net.HttpStatusCode.OK, login.StatusCode);
        var me = await login.Content.ReadFromJsonAsync<JsonElement>();
        CsrfToken = me.GetProperty("csrfToken").GetString();
        UserId = me.GetProperty("userId").GetString();
    }

    public async Task<string> CreateSessionAsync(string name = "work")
    {
        var response = await PostAsync("/api/sessions", new { name });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetString()!;
    }

    public void Dispose() => http.Dispose();
}
