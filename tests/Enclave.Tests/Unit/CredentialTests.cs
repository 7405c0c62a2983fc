using Enclave.Core.Accounts;
using Enclave.Core.Ids;
using Enclave.Core.Secrets;

namespace Enclave.Tests.Unit;

public sealed class CredentialTests
{
    private static readonly SigningKey Key = new("0123456789abcdef0123456789abcdef"u8.ToArray());

    [Theory]
    [InlineData("short", false)]
    [InlineData("password1234", false)]
    [InlineData("Password123!", false)]
    [InlineData("qwertyuiopas", false)]
    [InlineData("abababababababab", false)]
    [InlineData("alice.smith-secret-words", false)]
    [InlineData("glacier pencil orbit 42", true)]
    public void Password_policy(string password, bool acceptable) =>
        Assert.Equal(acceptable, new PasswordPolicy().Check(password, "alice.smith@example.com") is null);

    [Fact]
    public void Password_policy_caps_length_and_knows_hundreds_of_common_passwords()
    {
        var policy = new PasswordPolicy();
        Assert.NotNull(policy.Check(new string('x', 60) + new string('y', 69), "a@b.c"));
        Assert.True(policy.CommonPasswordCount > 500);
    }

    [Fact]
    public void Hashes_are_identity_v3_pbkdf2_sha512_at_the_stated_iterations_and_verify()
    {
        var hashing = new PasswordHashing();
        var hash = hashing.Hash("glacier pencil orbit 42");
        var bytes = Convert.FromBase64String(hash);
        Assert.Equal(0x01, bytes[0]);
        Assert.Equal(2u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1)));
        Assert.Equal((uint)PasswordHashing.Iterations, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5)));
        Assert.True(hashing.Verify(hash, "glacier pencil orbit 42"));
        Assert.False(hashing.Verify(hash, "glacier pencil orbit 43"));
        Assert.False(hashing.Verify(null, "glacier pencil orbit 42"));
        Assert.NotEqual(hash, hashing.Hash("glacier pencil orbit 42"));
    }

    [Fact]
    public void Sign_in_tokens_carry_their_owner_and_are_not_guessable()
    {
        var userId = EntityId.New().Value;
        var token = SignInToken.Create(userId);
        Assert.True(SignInToken.TryParse(token.Value, out var parsed));
        Assert.Equal(userId, parsed.UserId);
        Assert.NotEqual(token.Value, SignInToken.Create(userId).Value);
        Assert.Equal(64, token.Value.Length);
        Assert.DoesNotContain(token.Value, token.ToString(), StringComparison.Ordinal);
        Assert.False(SignInToken.TryParse(token.Value[..^1], out _));
        Assert.False(SignInToken.TryParse(token.Value + "A", out _));
        Assert.False(SignInToken.TryParse(new string('A', 64), out _));
    }

    [Fact]
    public void Stored_hash_and_csrf_token_are_keyed_and_differ_per_sign_in()
    {
        var token = SignInToken.Create(EntityId.New().Value);
        var other = new SigningKey("another key of at least 32 chars!!"u8.ToArray());
        Assert.NotEqual(token.Hash(Key), token.Hash(other));
        Assert.DoesNotContain(token.Value, token.Hash(Key), StringComparison.Ordinal);
        var csrf = SignInToken.CsrfFor(token.Hash(Key), Key);
        Assert.NotEqual(csrf, SignInToken.CsrfFor(SignInToken.Create(EntityId.New().Value).Hash(Key), Key));
        Assert.Equal(csrf, SignInToken.CsrfFor(token.Hash(Key), Key));
    }

    [Theory]
    [InlineData(" Alice@Example.COM ", "alice@example.com")]
    [InlineData("a@b.c", "a@b.c")]
    [InlineData("no-at-sign", null)]
    [InlineData("two@@example.com", null)]
    [InlineData("sp ace@example.com", null)]
    [InlineData("ctl\u0001@example.com", null)]
    [InlineData("a@nodot", null)]
    public void Emails_are_normalized_or_refused(string input, string? expected)
    {
        var ok = EmailAddress.TryNormalize(input, out var email);
        Assert.Equal(expected is not null, ok);
        Assert.Equal(expected, email);
    }
}
