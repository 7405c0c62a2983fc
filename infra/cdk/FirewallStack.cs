using Amazon.CDK;

using Constructs;

namespace Enclave.Cdk;

/// <summary>
/// CloudFront accepts only web ACLs created in us-east-1, so the firewall has its own stack pinned there;
/// the main stack may live in any region and references the ACL's ARN across regions.
/// </summary>
public sealed class FirewallStack : Stack
{
    public const string FirewallRegion = "us-east-1";

    public EdgeFirewall Firewall { get; }

    public FirewallStack(Construct scope, string id, Settings settings, IStackProps props) : base(scope, id, props)
    {
        Firewall = new EdgeFirewall(this, "Firewall", new EdgeFirewallProps(settings));
    }
}
