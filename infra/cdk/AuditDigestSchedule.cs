using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Scheduler;

using Constructs;

using Enclave.Core.Audit;
using Enclave.Core.Storage;

namespace Enclave.Cdk;

public sealed record AuditDigestScheduleProps(AppFunction Processor, IRole ProcessorRole, ITable AuditTable);

/// <summary>
/// Seals the access records' digest windows on a schedule: EventBridge Scheduler invokes the processor
/// every <see cref="AuditDigestJob.Period"/> with the job's payload, which the Web Adapter posts to the
/// same pass-through path as the stream batches. The processor may read only the byDay index and the
/// digest partitions for it, and already may add items to the audit table.
/// </summary>
public sealed class AuditDigestSchedule : Construct
{
    public static readonly string Payload = "{\"job\":\"" + AuditDigestJob.Name + "\"}";

    public CfnSchedule Schedule { get; }

    public AuditDigestSchedule(Construct scope, string id, AuditDigestScheduleProps props) : base(scope, id)
    {
        var invoker = new Role(this, "InvokerRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("scheduler.amazonaws.com", new ServicePrincipalOpts
            {
                Conditions = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Aws.ACCOUNT_ID } },
            }),
            Description = "EventBridge Scheduler: invokes the Enclave processor for the audit digest job.",
        });
        invoker.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["lambda:InvokeFunction"],
            Resources = [props.Processor.Function.FunctionArn],
        }));

        props.ProcessorRole.AddToPrincipalPolicy(LeadingKeysQuery(props.AuditTable.TableArn, AccessRecordDigests.DigestPrefix + "*"));
        props.ProcessorRole.AddToPrincipalPolicy(LeadingKeysQuery(
            $"{props.AuditTable.TableArn}/index/{TableSchemas.AuditByDay}", AccessRecordLayout.DayPrefix + "*"));

        Schedule = new CfnSchedule(this, "Schedule", new CfnScheduleProps
        {
            Description = "Seal closed hourly windows of access records (today and yesterday, UTC).",
            ScheduleExpression = $"rate({(int)AuditDigestJob.Period.TotalMinutes} minutes)",
            FlexibleTimeWindow = new CfnSchedule.FlexibleTimeWindowProperty { Mode = "OFF" },
            Target = new CfnSchedule.TargetProperty
            {
                Arn = props.Processor.Function.FunctionArn,
                RoleArn = invoker.RoleArn,
                Input = Payload,
                RetryPolicy = new CfnSchedule.RetryPolicyProperty { MaximumRetryAttempts = 2, MaximumEventAgeInSeconds = 600 },
            },
        });
    }

    private static PolicyStatement LeadingKeysQuery(string resource, string keyPattern) => new(new PolicyStatementProps
    {
        Actions = ["dynamodb:Query"],
        Resources = [resource],
        Conditions = new Dictionary<string, object>
        {
            ["ForAllValues:StringLike"] = new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = new[] { keyPattern } },
        },
    });
}
