namespace Enclave.Core.Security;

/// <summary>
/// The web page's Content-Security-Policy, defined once for both places that serve the page: the API in
/// local runs and CloudFront's response headers policy in AWS. Nothing inline: scripts and styles only from
/// the site's own files, and the page talks only to the API (same origin) and the bucket it posts uploads to.
/// </summary>
public static class PageSecurityPolicy
{
    public static string For(string uploadOrigin) =>
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
        $"connect-src 'self' {uploadOrigin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}
