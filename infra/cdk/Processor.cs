using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.EventSources;
using Amazon.CDK.AWS.Scheduler;
using Amazon.CDK.AWS.SQS;

using Constructs;

using Enclave.Core.Accounts;
using Enclave.Core.Security;
using Enclave.Core.Storage;
using Enclave.Core.Uploads;

namespace Enclave.Cdk;

public sealed record ProcessorProps(Settings Settings, Data Data, Secrets Secrets, IRole Role, IReadOnlyDictionary<string, string> Configuration);

/// <summary>
/// The upload processor: the same binary in its Processor role, fed by the data table's stream. The
/// Web Adapter posts each batch to /events; the app answers batchItemFailures, so only failed records
/// are retried, bisected, and finally sent to the dead-letter queue.
/// </summary>
public sealed class Processor : Construct
{
    public const string EventsPath = "/events";

    public AppFunction App { get; }

    public Queue DeadLetters { get; }

    /// <summary>The source the app's events endpoint reads as "sweep" (Enclave.Functions.Processing.DynamoStreamEvent).</summary>
    /// <summary>The one S3 action of the processor's own role.</summary>
    public const string MultipartListAction = "s3:ListBucketMultipartUploads";

    public const string SweepJob = "upload-sweep";

    public CfnSchedule SweepSchedule { get; }

    public Processor(Construct scope, string id, ProcessorProps props) : base(scope, id)
    {
        App = new AppFunction(this, "App", new AppFunctionProps(
            props.Settings,
            props.Role,
            "Processor",
            props.Configuration,
            props.Settings.ProcessorReservedConcurrency,
            Duration.Minutes(5),
            new Dictionary<string, string>
            {
                ["AWS_LWA_PASS_THROUGH_PATH"] = EventsPath,
                ["AWS_LWA_READINESS_CHECK_PATH"] = "/api/health",
            }));

        DeadLetters = new Queue(this, "DeadLetters", new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(14),
        });

        props.Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            // Records under service:processor and the owner's actor; writes of user items go through the user-data role.
            Actions = [.. UserDataPolicy.RecordActions],
            Resources = [props.Data.AuditTable.TableArn],
        }));
        props.Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            // The sweep index holds ids and times only; every look at an entry runs with the owner's scoped credentials.
            Actions = ["dynamodb:Query"],
            Resources = [$"{props.Data.DataTable.TableArn}/index/{TableSchemas.SweepDue}"],
        }));
        props.Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            // The sweeper finds incomplete multipart uploads without a pending upload (keys and ids only); it aborts
            // each with the owner's scoped credentials. No object action: this role reads and writes no user data.
            Actions = [MultipartListAction],
            Resources = [props.Data.UploadBucketArn],
        }));
        props.Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            // Its sealed per-owner credentials (ProcessorCredentials): one STS call per owner an hour, not one per event.
            // Only PROCESSOR# partitions: no account, sign-in or token item.
            Actions = ["dynamodb:GetItem", "dynamodb:PutItem"],
            Resources = [props.Data.IdentityTable.TableArn],
            Conditions = new Dictionary<string, object>
            {
                ["ForAllValues:StringLike"] = new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = new[] { IdentityKeys.ProcessorPkPrefix + "*" } },
                ["Null"] = new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = "false" },
            },
        }));
        Secrets.GrantRead(props.Role, (props.Secrets.AuditKey, props.Secrets.AuditKeyName));

        SweepSchedule = NewSweepSchedule(props.Settings);

        App.Function.AddEventSource(new DynamoEventSource(props.Data.DataTable, new DynamoEventSourceProps
        {
            StartingPosition = StartingPosition.TRIM_HORIZON,
            BatchSize = 10,
            // Batches of one shard run side by side, one user's records (one partition key) still in order; each
            // batch checks up to Enclave:Limits:ProcessingJobsAtOnce of its uploads at once.
            ParallelizationFactor = 4,
            RetryAttempts = 5,
            BisectBatchOnError = true,
            MaxRecordAge = Duration.Hours(6),
            ReportBatchItemFailures = true,
            OnFailure = new SqsDlq(DeadLetters),
            Filters = [UploadedFilter()],
        }));
    }

    /// <summary>
    /// EventBridge Scheduler invokes the processor with the sweep event; the Web Adapter posts it to /events like a
    /// stream batch. S3 lifecycle rules on the bucket (noncurrent versions, incomplete multipart uploads) back it up.
    /// </summary>
    private CfnSchedule NewSweepSchedule(Settings settings)
    {
        var invoker = new Role(this, "SweepInvoker", new RoleProps
        {
            AssumedBy = new ServicePrincipal("scheduler.amazonaws.com"),
            Description = "EventBridge Scheduler: invokes the processor's sweep.",
        });
        invoker.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["lambda:InvokeFunction"],
            Resources = [App.Function.FunctionArn],
        }));
        return new CfnSchedule(this, "Sweep", new CfnScheduleProps
        {
            ScheduleExpression = $"rate({settings.SweepPeriodMinutes} minutes)",
            FlexibleTimeWindow = new CfnSchedule.FlexibleTimeWindowProperty { Mode = "OFF" },
            Target = new CfnSchedule.TargetProperty
            {
                Arn = App.Function.FunctionArn,
                RoleArn = invoker.RoleArn,
                Input = $"{{\"job\":\"{SweepJob}\"}}",
                RetryPolicy = new CfnSchedule.RetryPolicyProperty { MaximumRetryAttempts = 0 },
            },
        });
    }

    /// <summary>Only upload items whose new image says "uploaded" wake the processor.</summary>
    private static IDictionary<string, object> UploadedFilter() => FilterCriteria.Filter(new Dictionary<string, object>
    {
        ["eventName"] = AnyOf("INSERT", "MODIFY"),
        ["dynamodb"] = new Dictionary<string, object>
        {
            ["NewImage"] = new Dictionary<string, object>
            {
                ["pk"] = new Dictionary<string, object> { ["S"] = BeginsWith(Core.Storage.DataKeys.OwnerPrefix) },
                ["sk"] = new Dictionary<string, object> { ["S"] = BeginsWith(Core.Storage.DataKeys.UploadsPrefix) },
                ["status"] = new Dictionary<string, object> { ["S"] = AnyOf(UploadStatus.Uploaded) },
            },
        },
    });

    // Concrete types: jsii cannot marshal the IDictionary values FilterRule returns.
    private static string[] AnyOf(params string[] values) => values;

    private static object[] BeginsWith(string prefix) => [new Dictionary<string, object> { ["prefix"] = prefix }];
}
