using System.Security.Claims;
using System.Text.Encodings.Web;

using Enclave.Core.Accounts;
using Enclave.Core.Requests;
using Enclave.Functions.Hosting;
using Enclave.Functions.Http;

using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Enclave.Functions.Auth;

/// <summary>
/// Verifies the sign-in cookie against the identity table on every request that needs a user: there is
/// no in-process session cache, so any instance can serve any request.
/// </summary>
internal sealed class SignInCookieHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccountService accounts,
    CurrentUser currentUser,
    UserDataClients userData,
    RequestContext request) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "SignInCookie";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Being the only scheme makes this the default, so the framework asks on every request: routes
        // that need no user (health, sign-in, unknown paths) must not cost a database read.
        if (Context.GetEndpoint() is not { } endpoint || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return AuthenticateResult.NoResult();
        }

        if (!Request.Cookies.TryGetValue(SignInCookie.Name, out var cookie) || string.IsNullOrEmpty(cookie))
        {
            return AuthenticateResult.NoResult();
        }

        var user = await accounts.AuthenticateAsync(cookie, Context.RequestAborted);
        if (user is null)
        {
            return AuthenticateResult.Fail("The sign-in is not valid.");
        }

        currentUser.Set(user);
        userData.Bind(user.Credentials);
        request.Authenticated(user.UserId);
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, user.UserId) };
        claims.AddRange(user.Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Request.Cookies.ContainsKey(SignInCookie.Name))
        {
            SignInCookie.Clear(Response);
        }

        await Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized);
    }

    // A route the caller may not use is not advertised: it answers exactly like a missing one.
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, StatusCodes.Status404NotFound);
}
