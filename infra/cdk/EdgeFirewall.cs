using Amazon.CDK.AWS.WAFv2;

using Constructs;

namespace Enclave.Cdk;

public sealed record EdgeFirewallProps(Settings Settings);

/// <summary>
/// The CloudFront-scope WAF web ACL: a per-IP rate rule in front of the DynamoDB-backed rate limits of the
/// app, and AWS's common rule set. CloudFront-scope ACLs exist only in us-east-1 (see FirewallStack).
/// </summary>
public sealed class EdgeFirewall : Construct
{
    public CfnWebACL WebAcl { get; }

    public EdgeFirewall(Construct scope, string id, EdgeFirewallProps props) : base(scope, id)
    {
        WebAcl = new CfnWebACL(this, "WebAcl", new CfnWebACLProps
        {
            Scope = "CLOUDFRONT",
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility("enclave-web-acl"),
            Rules = new object[]
            {
                new CfnWebACL.RuleProperty
                {
                    Name = "rate-per-ip",
                    Priority = 0,
                    Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
                    Statement = new CfnWebACL.StatementProperty
                    {
                        RateBasedStatement = new CfnWebACL.RateBasedStatementProperty { Limit = props.Settings.WafRateLimit, AggregateKeyType = "IP" },
                    },
                    VisibilityConfig = Visibility("rate-per-ip"),
                },
                new CfnWebACL.RuleProperty
                {
                    Name = "aws-common",
                    Priority = 1,
                    OverrideAction = new CfnWebACL.OverrideActionProperty { None = new Dictionary<string, object>() },
                    Statement = new CfnWebACL.StatementProperty
                    {
                        ManagedRuleGroupStatement = new CfnWebACL.ManagedRuleGroupStatementProperty { VendorName = "AWS", Name = "AWSManagedRulesCommonRuleSet" },
                    },
                    VisibilityConfig = Visibility("aws-common"),
                },
            },
        });
    }

    private static CfnWebACL.VisibilityConfigProperty Visibility(string name) => new()
    {
        CloudWatchMetricsEnabled = true,
        MetricName = name,
        SampledRequestsEnabled = true,
    };
}
