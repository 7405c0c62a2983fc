using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;

using Constructs;

namespace Enclave.Cdk;

public sealed record AuditProps(ITable AuditTable, Secrets Secrets);

/// <summary>
/// The read path of the access records: an Auditor role that may Query/GetItem the audit table and its
/// indexes and read the audit key (to verify each record's HMAC), and is explicitly denied everything
/// else, so a broader policy attached by mistake cannot widen it. Nobody holds it by default: an account
/// administrator lets a named principal assume it (README "The first auditor").
/// </summary>
public sealed class Audit : Construct
{
    public static readonly IReadOnlyList<string> ReadActions = ["dynamodb:Query", "dynamodb:GetItem"];

    public Role AuditorRole { get; }

    public Audit(Construct scope, string id, AuditProps props) : base(scope, id)
    {
        AuditorRole = new Role(this, "AuditorRole", new RoleProps
        {
            // Account principals still need an identity policy allowing sts:AssumeRole on this role.
            AssumedBy = new AccountPrincipal(Aws.ACCOUNT_ID),
            Description = "Read-only access to Enclave's access records.",
            MaxSessionDuration = Duration.Hours(1),
        });

        var auditResources = new[] { props.AuditTable.TableArn, $"{props.AuditTable.TableArn}/index/*" };
        var keyReads = new[] { "ssm:GetParameter", "secretsmanager:GetSecretValue" };
        AuditorRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = [.. ReadActions], Resources = auditResources }));
        Secrets.GrantRead(AuditorRole, (props.Secrets.AuditKey, props.Secrets.AuditKeyName));

        AuditorRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Effect = Effect.DENY,
            NotActions = [.. ReadActions, .. keyReads],
            Resources = ["*"],
        }));
        AuditorRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Effect = Effect.DENY,
            Actions = [.. ReadActions],
            NotResources = auditResources,
        }));
    }
}
