using System.Text;

using Enclave.Core.Accounts;
using Enclave.Core.Ids;
using Enclave.Core.Security;

namespace Enclave.Tests.Unit;

public sealed class CredentialSealTests
{
    private readonly ScopedCredentials credentials = new(
        EntityId.New().Value, "ASIAEXAMPLEKEY", "secret/with+chars", "token-value==", DateTimeOffset.FromUnixTimeSeconds(1_900_000_000));

    private SignInToken Token => SignInToken.Create(credentials.UserId);

    [Fact]
    public void Sealed_credentials_open_with_the_same_token_and_binding()
    {
        var token = Token;
        var sealedValue = CredentialSeal.Seal(credentials, token.Value, "ACCOUNT#u/SIGNIN#h");
        Assert.Equal(credentials, CredentialSeal.Open(sealedValue, token.Value, "ACCOUNT#u/SIGNIN#h"));
    }

    [Fact]
    public void The_sealed_value_holds_no_credential_in_the_clear()
    {
        var sealedText = Encoding.Latin1.GetString(CredentialSeal.Seal(credentials, Token.Value, "b"));
        Assert.DoesNotContain(credentials.AccessKeyId, sealedText, StringComparison.Ordinal);
        Assert.DoesNotContain(credentials.SecretAccessKey, sealedText, StringComparison.Ordinal);
        Assert.DoesNotContain(credentials.SessionToken, sealedText, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_sign_in_token_cannot_open_them()
    {
        var sealedValue = CredentialSeal.Seal(credentials, Token.Value, "b");
        Assert.Null(CredentialSeal.Open(sealedValue, Token.Value, "b"));
    }

    [Fact]
    public void A_value_moved_to_another_sign_in_does_not_open()
    {
        var token = Token;
        var sealedValue = CredentialSeal.Seal(credentials, token.Value, "ACCOUNT#u/SIGNIN#one");
        Assert.Null(CredentialSeal.Open(sealedValue, token.Value, "ACCOUNT#u/SIGNIN#two"));
    }

    [Fact]
    public void Any_altered_byte_is_detected()
    {
        var token = Token;
        var sealedValue = CredentialSeal.Seal(credentials, token.Value, "b");
        for (var i = 0; i < sealedValue.Length; i += 7)
        {
            var altered = (byte[])sealedValue.Clone();
            altered[i] ^= 0x01;
            Assert.Null(CredentialSeal.Open(altered, token.Value, "b"));
        }

        Assert.Null(CredentialSeal.Open(sealedValue.AsSpan(0, 20), token.Value, "b"));
    }

    [Fact]
    public void Printing_credentials_shows_no_secret()
    {
        var text = credentials.ToString();
        Assert.DoesNotContain(credentials.SecretAccessKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(credentials.SessionToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(credentials.AccessKeyId, text, StringComparison.Ordinal);
    }
}
