using System.Text.Json.Nodes;

using Amazon.CDK.Assertions;

namespace Enclave.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class EdgeTests(SynthesizedApp synth)
{
    // CloudFront's managed policy ids (the same in every account).
    private const string CachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
    private const string AllViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

    private JsonNode Config => synth.Resource(synth.Main.Edge.Distribution)["Properties"]!["DistributionConfig"]!;

    [Fact]
    public void Api_behaviour_is_uncached_and_forwards_every_viewer_header_but_host()
    {
        var api = Config["CacheBehaviors"]!.AsArray().Single(b => (string)b!["PathPattern"]! == "/api/*")!;
        Assert.Equal(CachingDisabled, (string)api["CachePolicyId"]!);
        Assert.Equal(AllViewerExceptHostHeader, (string)api["OriginRequestPolicyId"]!);
        Assert.Equal("https-only", (string)api["ViewerProtocolPolicy"]!);
        Assert.Contains("DELETE", api["AllowedMethods"]!.AsArray().Select(m => (string)m!));
        var origin = Config["Origins"]!.AsArray().Single(o => (string)o!["Id"]! == (string)api["TargetOriginId"]!)!;
        Assert.Equal("https-only", (string)origin["CustomOriginConfig"]!["OriginProtocolPolicy"]!);
        Assert.Contains(synth.LogicalId(synth.Main.Api.HttpApi), origin["DomainName"]!.ToJsonString());

        // The origin secret is a dynamic reference to the generated secret's current value, never a literal.
        var header = Assert.Single(origin["OriginCustomHeaders"]!.AsArray())!;
        Assert.Equal("X-Origin-Verify", (string)header["HeaderName"]!);
        var value = header["HeaderValue"]!.ToJsonString();
        Assert.Contains("{{resolve:secretsmanager:", value);
        Assert.Contains(synth.LogicalId(synth.Main.Secrets.OriginVerify), value);
        Assert.Contains(":SecretString:current::}}", value);
    }

    [Fact]
    public void Web_assets_come_from_a_private_bucket_through_origin_access_control()
    {
        synth.MainTemplate.ResourceCountIs("AWS::CloudFront::OriginAccessControl", 1);
        var web = Config["Origins"]!.AsArray().Single(o => (string)o!["Id"]! == (string)Config["DefaultCacheBehavior"]!["TargetOriginId"]!)!;
        Assert.NotNull(web["OriginAccessControlId"]);
        Assert.Contains(synth.LogicalId(synth.Main.Edge.WebBucket), web["DomainName"]!.ToJsonString());
        Assert.Equal("redirect-to-https", (string)Config["DefaultCacheBehavior"]!["ViewerProtocolPolicy"]!);
        synth.MainTemplate.ResourceCountIs("Custom::CDKBucketDeployment", 1);
    }

    [Fact]
    public void Every_response_carries_hsts_nosniff_frame_options_referrer_policy_and_csp()
    {
        var policyRef = synth.LogicalId(synth.Main.Edge.SecurityHeaders);
        Assert.Contains(policyRef, Config["DefaultCacheBehavior"]!["ResponseHeadersPolicyId"]!.ToJsonString());
        Assert.All(Config["CacheBehaviors"]!.AsArray(), b => Assert.Contains(policyRef, b!["ResponseHeadersPolicyId"]!.ToJsonString()));

        var headers = synth.Resource(synth.Main.Edge.SecurityHeaders)["Properties"]!["ResponseHeadersPolicyConfig"]!["SecurityHeadersConfig"]!;
        Assert.Equal(31536000, (int)headers["StrictTransportSecurity"]!["AccessControlMaxAgeSec"]!);
        Assert.True((bool)headers["StrictTransportSecurity"]!["IncludeSubdomains"]!);
        Assert.True((bool)headers["ContentTypeOptions"]!["Override"]!);
        Assert.Equal("DENY", (string)headers["FrameOptions"]!["FrameOption"]!);
        Assert.Equal("no-referrer", (string)headers["ReferrerPolicy"]!["ReferrerPolicy"]!);
        var csp = string.Concat(headers["ContentSecurityPolicy"]!["ContentSecurityPolicy"]!["Fn::Join"]![1]!.AsArray().OfType<JsonValue>().Select(v => (string)v!));
        // The same policy the API sets when it serves the page locally (PageSecurityPolicy), with the bucket's origin.
        Assert.StartsWith("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' https://enclave-uploads-", csp);
        Assert.EndsWith("; base-uri 'none'; form-action 'none'; frame-ancestors 'none'", csp);
    }

    [Fact]
    public void Distribution_is_behind_the_web_acl_and_logs()
    {
        Assert.Contains("WebAcl", Config["WebACLId"]!.ToJsonString());
        Assert.Contains(synth.LogicalId(synth.Main.Data.LogBucket), Config["Logging"]!["Bucket"]!.ToJsonString());
        // Without a custom domain CloudFront's default certificate applies, which fixes TLSv1 (cdk-nag acknowledgement CFR4).
        Assert.Null(Config["ViewerCertificate"]);
    }

    [Fact]
    public void With_a_custom_domain_viewers_need_tls_1_2()
    {
        var app = new Amazon.CDK.App(new Amazon.CDK.AppProps
        {
            AnalyticsReporting = false,
            Context = new Dictionary<string, object>
            {
                ["appAssetPath"] = Path.Combine(synth.Root, "app"),
                ["webAssetPath"] = Path.Combine(synth.Root, "web"),
                ["mailSender"] = SynthesizedApp.MailSender,
                ["domainName"] = "enclave.example.com",
                ["certificateArn"] = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
            },
        });
        var (_, main) = Enclave.Cdk.EnclaveApp.Build(app);
        Template.FromStack(main).HasResourceProperties("AWS::CloudFront::Distribution", new Dictionary<string, object>
        {
            ["DistributionConfig"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Aliases"] = new object[] { "enclave.example.com" },
                ["ViewerCertificate"] = Match.ObjectLike(new Dictionary<string, object> { ["MinimumProtocolVersion"] = "TLSv1.2_2021", ["SslSupportMethod"] = "sni-only" }),
            }),
        });
        Template.FromStack(main).HasResourceProperties("AWS::S3::Bucket", new Dictionary<string, object>
        {
            ["CorsConfiguration"] = new Dictionary<string, object>
            {
                ["CorsRules"] = new object[] { Match.ObjectLike(new Dictionary<string, object> { ["AllowedOrigins"] = new object[] { "https://enclave.example.com" } }) },
            },
        });
    }

    [Fact]
    public void Web_acl_is_cloudfront_scoped_in_us_east_1_with_a_rate_rule_and_the_common_rule_set()
    {
        Assert.Equal("us-east-1", synth.Firewall.Region);
        synth.FirewallTemplate.HasResourceProperties("AWS::WAFv2::WebACL", new Dictionary<string, object>
        {
            ["Scope"] = "CLOUDFRONT",
            ["DefaultAction"] = new Dictionary<string, object> { ["Allow"] = Match.AnyValue() },
            ["Rules"] = Match.ArrayWith(
            [
                Match.ObjectLike(new Dictionary<string, object>
                {
                    ["Action"] = new Dictionary<string, object> { ["Block"] = Match.AnyValue() },
                    ["Statement"] = new Dictionary<string, object> { ["RateBasedStatement"] = new Dictionary<string, object> { ["Limit"] = 1000, ["AggregateKeyType"] = "IP" } },
                }),
                Match.ObjectLike(new Dictionary<string, object>
                {
                    ["Statement"] = new Dictionary<string, object>
                    {
                        ["ManagedRuleGroupStatement"] = new Dictionary<string, object> { ["VendorName"] = "AWS", ["Name"] = "AWSManagedRulesCommonRuleSet" },
                    },
                }),
            ]),
        });
    }
}
