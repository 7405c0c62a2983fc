using Amazon.CDK;
using Amazon.CDK.AWS.IAM;

using Constructs;

using Enclave.Core.Security;

namespace Enclave.Cdk;

public sealed record UserDataAccessProps(IReadOnlyList<IRole> AssumedBy, string UploadBucketArn, string DataTableArn, string AuditTableArn);

/// <summary>
/// The user-data role: the ceiling of what any user's scoped credentials can do (objects under users/,
/// items whose leading key is a user's or an actor's partition). The functions assume it with the session
/// policy of <see cref="UserDataPolicy.For"/>, which narrows it to one user; the actions come from the same
/// lists, so app and infrastructure cannot drift.
/// </summary>
public sealed class UserDataAccess : Construct
{
    public Role Role { get; }

    public UserDataAccess(Construct scope, string id, UserDataAccessProps props) : base(scope, id)
    {
        Role = new Role(this, "Role", new RoleProps
        {
            AssumedBy = new CompositePrincipal([.. props.AssumedBy.Select(r => new ArnPrincipal(r.RoleArn))]),
            Description = "Per-user data access; assumed only with a one-user session policy.",
            // Role chaining caps sessions at one hour anyway; say so rather than rely on it.
            MaxSessionDuration = Duration.Hours(1),
        });
        foreach (var functionRole in props.AssumedBy)
        {
            functionRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Actions = ["sts:AssumeRole"],
                Resources = [Role.RoleArn],
            }));
        }

        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = [.. UserDataPolicy.ObjectActions],
            Resources = [$"{props.UploadBucketArn}/{UserDataPolicy.ObjectPrefix}*"],
        }));
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = [.. UserDataPolicy.ListActions],
            Resources = [props.UploadBucketArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringLike"] = new Dictionary<string, object> { ["s3:prefix"] = UserDataPolicy.ObjectPrefix + "*" },
            },
        }));
        Role.AddToPolicy(LeadingKeys([.. UserDataPolicy.ItemActions], props.DataTableArn, UserDataPolicy.UserKeyPrefix));
        Role.AddToPolicy(LeadingKeys([.. UserDataPolicy.RecordActions], props.AuditTableArn, UserDataPolicy.ActorKeyPrefix));
    }

    /// <summary>ForAllValues holds for an empty set, so the Null condition refuses requests without leading keys.</summary>
    private static PolicyStatement LeadingKeys(string[] actions, string tableArn, string keyPrefix) => new(new PolicyStatementProps
    {
        Actions = actions,
        Resources = [tableArn],
        Conditions = new Dictionary<string, object>
        {
            ["ForAllValues:StringLike"] = new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = new[] { keyPrefix + "*" } },
            ["Null"] = new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = "false" },
        },
    });
}
