using Enclave.Core.Accounts;
using Enclave.Functions.Http;

using Microsoft.AspNetCore.Http.HttpResults;

namespace Enclave.Functions.Auth;

internal sealed record CredentialsRequest(string? Email, string? Password)
{
    public override string ToString() => "CredentialsRequest(redacted)";
}

internal sealed record RegisteredResponse(string UserId, string Email);

internal sealed record MeResponse(string UserId, string Email, IReadOnlyList<string> Roles, string CsrfToken);

internal static class AuthApi
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder routes)
    {
        var auth = routes.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/register", RegisterAsync).AllowAnonymous();
        auth.MapPost("/login", LoginAsync).AllowAnonymous();
        auth.MapPost("/logout", LogoutAsync).RequireAuthorization();
        auth.MapPost("/logout-all", LogoutEverywhereAsync).RequireAuthorization();
        routes.MapGet("/api/me", MeAsync).RequireAuthorization().WithTags("Auth");
        return routes;
    }

    private static async Task<Results<Created<RegisteredResponse>, ProblemResult>> RegisterAsync(
        CredentialsRequest? body, AccountService accounts, CancellationToken cancellationToken)
    {
        var result = await accounts.RegisterAsync(body?.Email, body?.Password, cancellationToken);
        return result switch
        {
            RegisterResult.Created created => TypedResults.Created("/api/me", new RegisteredResponse(created.UserId, created.Email)),
            RegisterResult.Invalid invalid => ProblemResult.Validation(invalid.Errors),
            RegisterResult.Throttled throttled => ProblemResult.TooManyRequests(throttled.RetryAfter),
            _ => new ProblemResult(StatusCodes.Status409Conflict, title: "An account with this email already exists."),
        };
    }

    private static async Task<Results<Ok<MeResponse>, ProblemResult>> LoginAsync(
        CredentialsRequest? body, AccountService accounts, HttpResponse response, CancellationToken cancellationToken)
    {
        var result = await accounts.LoginAsync(body?.Email, body?.Password, cancellationToken);
        switch (result)
        {
            case LoginResult.SignedIn signedIn:
                SignInCookie.Write(response, signedIn.Token.Value, signedIn.ExpiresAt);
                return TypedResults.Ok(ToMe(signedIn.User));
            case LoginResult.Invalid invalid:
                return ProblemResult.Validation(invalid.Errors);
            case LoginResult.Throttled throttled:
                return ProblemResult.TooManyRequests(throttled.RetryAfter);
            default:
                return new ProblemResult(StatusCodes.Status401Unauthorized, title: "The email or password is not correct.");
        }
    }

    private static async Task<NoContent> LogoutAsync(AccountService accounts, CurrentUser currentUser, HttpResponse response, CancellationToken cancellationToken)
    {
        await accounts.LogoutAsync(currentUser.User, cancellationToken);
        SignInCookie.Clear(response);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> LogoutEverywhereAsync(AccountService accounts, CurrentUser currentUser, HttpResponse response, CancellationToken cancellationToken)
    {
        await accounts.LogoutEverywhereAsync(currentUser.User, cancellationToken);
        SignInCookie.Clear(response);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<MeResponse>> MeAsync(AccountService accounts, CurrentUser currentUser, CancellationToken cancellationToken)
    {
        await accounts.RecordProfileReadAsync(currentUser.User, cancellationToken);
        return TypedResults.Ok(ToMe(currentUser.User));
    }

    private static MeResponse ToMe(SignedInUser user) => new(user.UserId, user.Email, user.Roles, user.CsrfToken);
}
