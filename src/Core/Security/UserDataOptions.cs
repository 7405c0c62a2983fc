using System.ComponentModel.DataAnnotations;

using Enclave.Core.Configuration;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Security;

/// <summary>The role every user-data call runs under, narrowed per user by <see cref="UserDataPolicy"/>.</summary>
public sealed class UserDataOptions
{
    public const string Section = "Enclave:UserData";

    /// <summary>The user-data role; its own policy is the ceiling for every user.</summary>
    [Required, RegularExpression(@"^arn:aws[a-z-]*:iam::[0-9]*:role/[\w+=,.@/-]{1,128}$")]
    public string RoleArn { get; set; } = "";

    /// <summary>STS endpoint override (the local RGW serves STS on its S3 endpoint); unset in AWS.</summary>
    [Url]
    public string? StsServiceUrl { get; set; }

    /// <summary>Lifetime of minted credentials. An AssumeRole from a Lambda role is role chaining, which AWS caps at one hour.</summary>
    [Range(15, 60)]
    public int CredentialMinutes { get; set; } = 60;

    /// <summary>Credentials closer than this to expiry are replaced on the user's next request.</summary>
    [Range(1, 14)]
    public int RefreshMinutesBeforeExpiry { get; set; } = 10;

    public UserDataPolicyScope PolicyScope { get; set; } = UserDataPolicyScope.Full;

    public UploadFormSigner UploadFormSigner { get; set; } = UploadFormSigner.ScopedCredentials;
}

/// <summary>Whose credentials sign the browser's presigned POST form. Only scoped credentials are allowed against AWS.</summary>
public enum UploadFormSigner
{
    ScopedCredentials,

    /// <summary>
    /// For the local RGW 16 only: it answers 201 to a POST form signed with STS session credentials but stores
    /// nothing (it does enforce the session policy: a form for another user's prefix gets 403). The form still
    /// names the exact key, so the browser can write only that object.
    /// </summary>
    HostCredentials,
}

[OptionsValidator]
public sealed partial class UserDataOptionsValidator : IValidateOptions<UserDataOptions>;

/// <summary>The emulator allowances exist for Local mode only; against AWS every user-data call is scoped in full.</summary>
public sealed class UserDataEmulatorAllowancesValidator(IOptions<EnclaveHostOptions> host) : IValidateOptions<UserDataOptions>
{
    public ValidateOptionsResult Validate(string? name, UserDataOptions options)
    {
        if (host.Value.Mode == EnclaveMode.Local)
        {
            return ValidateOptionsResult.Success;
        }

        return options.PolicyScope != UserDataPolicyScope.Full
            ? ValidateOptionsResult.Fail("Enclave:UserData:PolicyScope must be Full outside Local mode.")
            : options.UploadFormSigner != UploadFormSigner.ScopedCredentials
                ? ValidateOptionsResult.Fail("Enclave:UserData:UploadFormSigner must be ScopedCredentials outside Local mode.")
                : ValidateOptionsResult.Success;
    }
}
