using Amazon.CDK;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.S3.Deployment;

using Constructs;

using Enclave.Core.Security;

namespace Enclave.Cdk;

public sealed record EdgeProps(Settings Settings, string HttpApiDomain, string UploadOrigin, string WebAclArn, IBucket LogBucket, string OriginVerifyValue);

/// <summary>
/// CloudFront in front of everything: the web client from a private bucket (origin access control) and
/// /api/* to the HTTP API, uncached, with every viewer header but Host (CloudFront-Viewer-Address
/// included, which the app reads as the client address).
/// </summary>
public sealed class Edge : Construct
{
    public Distribution Distribution { get; }

    public Bucket WebBucket { get; }

    public ResponseHeadersPolicy SecurityHeaders { get; }

    public Edge(Construct scope, string id, EdgeProps props) : base(scope, id)
    {
        WebBucket = new Bucket(this, "WebBucket", new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            EnforceSSL = true,
            Encryption = BucketEncryption.S3_MANAGED,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            ServerAccessLogsBucket = props.LogBucket,
            ServerAccessLogsPrefix = "s3-web/",
            // Rebuilt from web/dist on every deploy: nothing in it is worth keeping.
            RemovalPolicy = RemovalPolicy.DESTROY,
            AutoDeleteObjects = false,
        });

        SecurityHeaders = new ResponseHeadersPolicy(this, "SecurityHeaders", new ResponseHeadersPolicyProps
        {
            Comment = "Enclave security headers",
            SecurityHeadersBehavior = new ResponseSecurityHeadersBehavior
            {
                StrictTransportSecurity = new ResponseHeadersStrictTransportSecurity
                {
                    AccessControlMaxAge = Duration.Days(365),
                    IncludeSubdomains = true,
                    Preload = true,
                    Override = true,
                },
                ContentTypeOptions = new ResponseHeadersContentTypeOptions { Override = true },
                FrameOptions = new ResponseHeadersFrameOptions { FrameOption = HeadersFrameOption.DENY, Override = true },
                ReferrerPolicy = new ResponseHeadersReferrerPolicy { ReferrerPolicy = HeadersReferrerPolicy.NO_REFERRER, Override = true },
                ContentSecurityPolicy = new ResponseHeadersContentSecurityPolicy { ContentSecurityPolicy = PageSecurityPolicy.For(props.UploadOrigin), Override = true },
            },
        });

        var customDomain = props.Settings.DomainName is { } domain
            ? (domain, Certificate.FromCertificateArn(this, "Certificate", props.Settings.CertificateArn!))
            : ((string, ICertificate)?)null;
        Distribution = new Distribution(this, "Distribution", new DistributionProps
        {
            Comment = "Enclave",
            DefaultRootObject = "index.html",
            HttpVersion = HttpVersion.HTTP2_AND_3,
            PriceClass = PriceClass.PRICE_CLASS_100,
            WebAclId = props.WebAclArn,
            EnableLogging = true,
            LogBucket = props.LogBucket,
            LogFilePrefix = "cloudfront/",
            DomainNames = customDomain is { } d ? [d.Item1] : null,
            Certificate = customDomain?.Item2,
            // Applies with a custom domain; CloudFront's default certificate fixes the floor at TLSv1 (README).
            MinimumProtocolVersion = SecurityPolicyProtocol.TLS_V1_2_2021,
            DefaultBehavior = new BehaviorOptions
            {
                Origin = S3BucketOrigin.WithOriginAccessControl(WebBucket),
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                CachePolicy = CachePolicy.CACHING_OPTIMIZED,
                ResponseHeadersPolicy = SecurityHeaders,
                Compress = true,
            },
            AdditionalBehaviors = new Dictionary<string, IBehaviorOptions>
            {
                ["/api/*"] = new BehaviorOptions
                {
                    Origin = new HttpOrigin(props.HttpApiDomain, new HttpOriginProps
                    {
                        ProtocolPolicy = OriginProtocolPolicy.HTTPS_ONLY,

                        // A CloudFormation dynamic reference: the value is resolved at deploy time and never in the template.
                        CustomHeaders = new Dictionary<string, string> { [Core.Secrets.OriginSecret.HeaderName] = props.OriginVerifyValue },
                    }),
                    ViewerProtocolPolicy = ViewerProtocolPolicy.HTTPS_ONLY,
                    AllowedMethods = AllowedMethods.ALLOW_ALL,
                    CachePolicy = CachePolicy.CACHING_DISABLED,
                    OriginRequestPolicy = OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    ResponseHeadersPolicy = SecurityHeaders,
                },
            },
        });

        _ = new BucketDeployment(this, "WebAssets", new BucketDeploymentProps
        {
            Sources = [Source.Asset(props.Settings.WebAssetPath)],
            DestinationBucket = WebBucket,
            Distribution = Distribution,
            DistributionPaths = ["/*"],
            MemoryLimit = 512,
        });
    }

    /// <summary>The site's origin, as the uploads bucket's CORS rule and the app's CSRF check expect it.</summary>
    public static string SiteOrigin(Settings settings, Distribution? distribution) =>
        settings.DomainName is { } domain ? $"https://{domain}" : $"https://{distribution!.DistributionDomainName}";
}
