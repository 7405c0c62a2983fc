using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.SQS;

using Constructs;

namespace Enclave.Cdk;

public sealed record ObservabilityProps(Settings Settings, HttpApi HttpApi, AppFunction Api, AppFunction Processor, Queue DeadLetters);

/// <summary>
/// Alarms to one topic, and a dashboard. The isolation-violation metric counts log lines the app writes
/// when it catches itself about to cross users (AWS refusing a scoped call, an owner mismatch): any
/// JSON log line with <c>"isolation_violation": 1</c>.
/// </summary>
public sealed class Observability : Construct
{
    public const string MetricNamespace = "Enclave";
    public const string IsolationViolationMetric = "IsolationViolations";
    public const string IsolationViolationPattern = "{ $.isolation_violation = 1 }";

    public Topic Alarms { get; }

    public Observability(Construct scope, string id, ObservabilityProps props) : base(scope, id)
    {
        Alarms = new Topic(this, "Alarms");
        Alarms.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["sns:Publish"],
            Resources = [Alarms.TopicArn],
            Conditions = new Dictionary<string, object> { ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" } },
        }));
        if (props.Settings.AlarmEmail is { } email)
        {
            Alarms.AddSubscription(new EmailSubscription(email));
        }

        var isolation = new List<IMetric>();
        foreach (var (name, app) in new[] { ("Api", props.Api), ("Processor", props.Processor) })
        {
            var filter = new MetricFilter(this, $"{name}IsolationViolations", new MetricFilterProps
            {
                LogGroup = app.LogGroup,
                FilterPattern = FilterPattern.Literal(IsolationViolationPattern),
                MetricNamespace = MetricNamespace,
                MetricName = IsolationViolationMetric,
                MetricValue = "1",
                DefaultValue = 0,
            });
            isolation.Add(filter.Metric(new MetricOptions { Statistic = "Sum", Period = Duration.Minutes(1) }));
        }

        var fiveMinutes = Duration.Minutes(5);
        var api5xx = props.HttpApi.MetricServerError(new MetricOptions { Statistic = "Sum", Period = fiveMinutes });
        var apiCount = props.HttpApi.MetricCount(new MetricOptions { Statistic = "Sum", Period = fiveMinutes });
        var errorRate = new MathExpression(new MathExpressionProps
        {
            Expression = "IF(requests > 20, 100 * errors / requests, 0)",
            UsingMetrics = new Dictionary<string, IMetric> { ["errors"] = api5xx, ["requests"] = apiCount },
            Label = "5xx %",
            Period = fiveMinutes,
        });

        Alarm("Api5xxRate", errorRate, 5, "More than 5 % of API requests failed with 5xx.");
        Alarm("ApiThrottles", props.Api.Function.MetricThrottles(new MetricOptions { Statistic = "Sum", Period = fiveMinutes }), 1, "The API function hit its reserved concurrency.");
        Alarm("ProcessorThrottles", props.Processor.Function.MetricThrottles(new MetricOptions { Statistic = "Sum", Period = fiveMinutes }), 1, "The processor hit its reserved concurrency.");
        Alarm("ProcessorErrors", props.Processor.Function.MetricErrors(new MetricOptions { Statistic = "Sum", Period = fiveMinutes }), 1, "The processor failed a batch.");
        Alarm("DeadLetters", props.DeadLetters.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Statistic = "Maximum", Period = fiveMinutes }), 1, "Upload events gave up and wait in the dead-letter queue.");
        var isolationSum = new MathExpression(new MathExpressionProps
        {
            Expression = "api + processor",
            UsingMetrics = new Dictionary<string, IMetric> { ["api"] = isolation[0], ["processor"] = isolation[1] },
            Label = "isolation violations",
            Period = Duration.Minutes(1),
        });
        Alarm("IsolationViolations", isolationSum, 1, "The app logged an isolation violation: investigate now.");

        var dashboard = new Dashboard(this, "Dashboard", new DashboardProps { DashboardName = $"{props.Settings.NamePrefix}-overview" });
        dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps { Title = "API requests and 5xx", Left = [apiCount, api5xx], Right = [errorRate] }),
            new GraphWidget(new GraphWidgetProps { Title = "Latency (p99)", Left = [props.HttpApi.MetricLatency(new MetricOptions { Statistic = "p99", Period = fiveMinutes })] }),
            new GraphWidget(new GraphWidgetProps { Title = "Processor", Left = [props.Processor.Function.MetricInvocations(), props.Processor.Function.MetricErrors()] }));
        dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps { Title = "Throttles", Left = [props.Api.Function.MetricThrottles(), props.Processor.Function.MetricThrottles()] }),
            new GraphWidget(new GraphWidgetProps { Title = "Dead letters", Left = [props.DeadLetters.MetricApproximateNumberOfMessagesVisible()] }),
            new SingleValueWidget(new SingleValueWidgetProps { Title = "Isolation violations", Metrics = [isolationSum] }));
    }

    private void Alarm(string id, IMetric metric, double threshold, string description)
    {
        var alarm = new Alarm(this, id, new AlarmProps
        {
            Metric = metric,
            Threshold = threshold,
            EvaluationPeriods = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
            AlarmDescription = description,
        });
        alarm.AddAlarmAction(new SnsAction(Alarms));
    }
}
