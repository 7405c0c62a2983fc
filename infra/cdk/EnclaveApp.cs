using Amazon.CDK;

namespace Enclave.Cdk;

/// <summary>Builds both stacks from context; Program and the tests share it.</summary>
public static class EnclaveApp
{
    public const string MainStackName = "Enclave";
    public const string FirewallStackName = "EnclaveFirewall";

    public static (FirewallStack Firewall, EnclaveStack Main) Build(App app)
    {
        // Access-log delivery by bucket policy instead of the deprecated LogDeliveryWrite ACL.
        app.Node.SetContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);
        var settings = Settings.FromContext(app.Node);
        var crossRegion = settings.Region != FirewallStack.FirewallRegion;
        var firewall = new FirewallStack(app, FirewallStackName, settings, new StackProps
        {
            Env = new Amazon.CDK.Environment { Account = settings.Account, Region = FirewallStack.FirewallRegion },
            CrossRegionReferences = crossRegion,
            Description = "Enclave: CloudFront web ACL (us-east-1 only).",
        });
        var main = new EnclaveStack(app, MainStackName, settings, firewall.Firewall.WebAcl.AttrArn, new StackProps
        {
            Env = new Amazon.CDK.Environment { Account = settings.Account, Region = settings.Region },
            CrossRegionReferences = crossRegion,
            Description = "Enclave: session-isolated data API.",
        });
        main.AddDependency(firewall);
        return (firewall, main);
    }
}
