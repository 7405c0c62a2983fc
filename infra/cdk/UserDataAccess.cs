using Amazon.CDK;
using Amazon.CDK.AWS.IAM;

using Constructs;

using Enclave.Core.Security;

namespace Enclave.Cdk;

public sealed record UserDataAccessProps(IReadOnlyList<IRole> AssumedBy, string UploadBucketArn, string DataTableArn, string AuditTableArn);

/// <summary>
/// The user-data role: what one user's scoped credentials can do. Two independent layers narrow it to one
/// user. The session policy of <see cref="UserDataPolicy.For"/> names the user; the role's own policy names
/// the session tag <see cref="UserDataPolicy.UserTagKey"/>, which the trust policy requires, so credentials
/// assumed without the tag reach nothing and a wrong tag and a wrong policy would both have to be issued.
/// The actions and key builders are the app's own, so app and infrastructure cannot drift.
/// </summary>
public sealed class UserDataAccess : Construct
{
    public Role Role { get; }

    public UserDataAccess(Construct scope, string id, UserDataAccessProps props) : base(scope, id)
    {
        Role = new Role(this, "Role", new RoleProps
        {
            AssumedBy = new CompositePrincipal([.. props.AssumedBy.Select(r => new SessionTagsPrincipal(new ArnPrincipal(r.RoleArn).WithConditions(OneUserTag())))]),
            Description = "Per-user data access; assumed only with the user's session tag and a one-user session policy.",
            // Role chaining caps sessions at one hour anyway; say so rather than rely on it.
            MaxSessionDuration = Duration.Hours(1),
        });
        foreach (var functionRole in props.AssumedBy)
        {
            functionRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Actions = ["sts:AssumeRole", "sts:TagSession"],
                Resources = [Role.RoleArn],
                Conditions = OneUserTag(),
            }));
        }

        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = [.. UserDataPolicy.ObjectActions],
            Resources = [$"{props.UploadBucketArn}/{Core.Uploads.UploadKeys.UserPrefix(UserDataPolicy.TaggedUser)}*"],
        }));
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = [.. UserDataPolicy.ListActions],
            Resources = [props.UploadBucketArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringLike"] = new Dictionary<string, object> { ["s3:prefix"] = Core.Uploads.UploadKeys.UserPrefix(UserDataPolicy.TaggedUser) + "*" },
            },
        }));
        Role.AddToPolicy(LeadingKeys([.. UserDataPolicy.ItemActions], props.DataTableArn, Core.Storage.DataKeys.Owner(UserDataPolicy.TaggedUser)));
        Role.AddToPolicy(LeadingKeys(
            [.. UserDataPolicy.RecordActions], props.AuditTableArn, Core.Audit.AccessRecordLayout.ActorPrefix + UserDataPolicy.TaggedUser, UserDataPolicy.ServiceActorPrefix + "*"));
    }

    /// <summary>Exactly one session tag, the user's, present and non-empty (on AssumeRole and TagSession alike).</summary>
    private static Dictionary<string, object> OneUserTag() => new()
    {
        ["StringLike"] = new Dictionary<string, object> { [$"aws:RequestTag/{UserDataPolicy.UserTagKey}"] = "?*" },
        ["ForAllValues:StringEquals"] = new Dictionary<string, object> { ["aws:TagKeys"] = new[] { UserDataPolicy.UserTagKey } },
    };

    /// <summary>ForAllValues holds for an empty set, so the Null condition refuses requests without leading keys.</summary>
    private static PolicyStatement LeadingKeys(string[] actions, string tableArn, params string[] keyPatterns) => new(new PolicyStatementProps
    {
        Actions = actions,
        Resources = [tableArn],
        Conditions = new Dictionary<string, object>
        {
            ["ForAllValues:StringLike"] = new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = keyPatterns },
            ["Null"] = new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = "false" },
        },
    });
}
