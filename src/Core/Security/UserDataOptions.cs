using System.ComponentModel.DataAnnotations;

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
}

[OptionsValidator]
public sealed partial class UserDataOptionsValidator : IValidateOptions<UserDataOptions>;
