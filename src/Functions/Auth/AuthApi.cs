using Enclave.Core.Accounts;
using Enclave.Functions.Http;

using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Enclave.Functions.Auth;

internal sealed record CredentialsRequest(string? Email, string? Password)
{
    public override string ToString() => "CredentialsRequest(redacted)";
}

internal sealed record RegisterAcceptedResponse(string Status);

internal sealed record TokenRequest(string? Token)
{
    public override string ToString() => "TokenRequest(redacted)";
}

internal sealed record ResetRequest(string? Email);

internal sealed record NewPasswordRequest(string? Token, string? Password)
{
    public override string ToString() => "NewPasswordRequest(redacted)";
}

internal sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword)
{
    public override string ToString() => "ChangePasswordRequest(redacted)";
}

internal sealed record PasswordRequest(string? Password)
{
    public override string ToString() => "PasswordRequest(redacted)";
}

internal sealed record MeResponse(string UserId, string Email, IReadOnlyList<string> Roles, string CsrfToken);

internal static class AuthApi
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder routes)
    {
        var auth = routes.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/register", RegisterAsync).AllowAnonymous();
        auth.MapPost("/verify-email", VerifyEmailAsync).AllowAnonymous();
        auth.MapPost("/password-reset/request", RequestResetAsync).AllowAnonymous();
        auth.MapPost("/password-reset", ResetAsync).AllowAnonymous();
        auth.MapPost("/password", ChangePasswordAsync).RequireAuthorization();
        auth.MapPost("/login", LoginAsync).AllowAnonymous();
        auth.MapPost("/logout", LogoutAsync).RequireAuthorization();
        auth.MapPost("/logout-all", LogoutEverywhereAsync).RequireAuthorization();
        routes.MapGet("/api/me", MeAsync).RequireAuthorization().WithTags("Auth");
        routes.MapDelete("/api/me", DeleteAccountAsync).RequireAuthorization().WithTags("Auth");
        return routes;
    }

    private static async Task<Results<Accepted<RegisterAcceptedResponse>, ProblemResult>> RegisterAsync(
        CredentialsRequest? body, Registration registration, CancellationToken cancellationToken)
    {
        var result = await registration.RegisterAsync(body?.Email, body?.Password, cancellationToken);
        return result switch
        {
            RegisterResult.Invalid invalid => ProblemResult.Validation(invalid.Errors),
            RegisterResult.Throttled throttled => ProblemResult.TooManyRequests(throttled.RetryAfter),
            _ => TypedResults.Accepted((string?)null, new RegisterAcceptedResponse("verification-sent")),
        };
    }

    private static async Task<Results<NoContent, ProblemResult>> VerifyEmailAsync(
        TokenRequest? body, Registration registration, CancellationToken cancellationToken) =>
        await registration.VerifyAsync(body?.Token, cancellationToken) switch
        {
            VerifyResult.Invalid invalid => ProblemResult.Validation(invalid.Errors),
            _ => TypedResults.NoContent(),
        };

    private static async Task<Results<Accepted, ProblemResult>> RequestResetAsync(
        ResetRequest? body, PasswordChanges passwords, CancellationToken cancellationToken) =>
        await passwords.RequestResetAsync(body?.Email, cancellationToken) switch
        {
            PasswordChangeResult.Invalid invalid => ProblemResult.Validation(invalid.Errors),
            PasswordChangeResult.Throttled throttled => ProblemResult.TooManyRequests(throttled.RetryAfter),
            _ => TypedResults.Accepted((string?)null),
        };

    private static async Task<Results<NoContent, ProblemResult>> ResetAsync(
        NewPasswordRequest? body, PasswordChanges passwords, CancellationToken cancellationToken) =>
        ToNoContent(await passwords.ResetAsync(body?.Token, body?.Password, cancellationToken));

    private static async Task<Results<NoContent, ProblemResult>> ChangePasswordAsync(
        ChangePasswordRequest? body, PasswordChanges passwords, CurrentUser currentUser, CancellationToken cancellationToken) =>
        ToNoContent(await passwords.ChangeAsync(currentUser.User, body?.CurrentPassword, body?.NewPassword, cancellationToken));

    private static async Task<Results<NoContent, ProblemResult>> DeleteAccountAsync(
        [FromBody] PasswordRequest? body, AccountErasure erasure, CurrentUser currentUser, HttpResponse response, CancellationToken cancellationToken)
    {
        if (await erasure.EraseAsync(currentUser.User, body?.Password, cancellationToken) is EraseResult.Invalid invalid)
        {
            return ProblemResult.Validation(invalid.Errors);
        }

        SignInCookie.Clear(response);
        return TypedResults.NoContent();
    }

    private static Results<NoContent, ProblemResult> ToNoContent(PasswordChangeResult result) => result switch
    {
        PasswordChangeResult.Invalid invalid => ProblemResult.Validation(invalid.Errors),
        PasswordChangeResult.Throttled throttled => ProblemResult.TooManyRequests(throttled.RetryAfter),
        _ => TypedResults.NoContent(),
    };

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
