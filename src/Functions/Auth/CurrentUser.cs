using Enclave.Core.Accounts;

namespace Enclave.Functions.Auth;

/// <summary>The verified caller of this request (scoped); set only by the sign-in cookie handler.</summary>
internal sealed class CurrentUser
{
    private SignedInUser? user;

    public SignedInUser User => user ?? throw new InvalidOperationException("No authenticated user in this request.");

    public string Id => User.UserId;

    public bool IsAuthenticated => user is not null;

    public void Set(SignedInUser signedIn) => user = signedIn;
}
