namespace Enclave.Functions.Auth;

/// <summary>The browser credential: <c>__Host-</c> forces Secure, Path=/ and no Domain.</summary>
internal static class SignInCookie
{
    public const string Name = "__Host-enclave";

    public static void Write(HttpResponse response, string value, DateTimeOffset expiresAt) =>
        response.Cookies.Append(Name, value, Options(expiresAt));

    public static void Clear(HttpResponse response) =>
        response.Cookies.Append(Name, "", Options(DateTimeOffset.UnixEpoch));

    private static CookieOptions Options(DateTimeOffset expires) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
