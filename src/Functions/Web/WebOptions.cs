using Microsoft.Extensions.Options;

namespace Enclave.Functions.Web;

/// <summary>
/// The browser app served beside /api, for local runs. In AWS CloudFront serves the same build from S3,
/// so Root stays unset there and the API serves no files.
/// </summary>
internal sealed class WebOptions
{
    public const string Section = "Enclave:Web";

    /// <summary>Folder of the built web app (index.html and assets/); unset means no static files.</summary>
    public string? Root { get; set; }

    /// <summary>Origin the browser posts uploads to (the bucket's), the only one besides 'self' in connect-src.</summary>
    public string? UploadOrigin { get; set; }

    /// <summary>Local mode: the site's origin, the only one the bucket's CORS rule allows.</summary>
    public string? SiteOrigin { get; set; }
}

internal sealed class WebOptionsValidator : IValidateOptions<WebOptions>
{
    public ValidateOptionsResult Validate(string? name, WebOptions options)
    {
        var failures = new List<string>();
        if (options.Root is not null && !File.Exists(Path.Combine(options.Root, "index.html")))
        {
            failures.Add("Enclave:Web:Root must be a folder that holds index.html (build the app with npm in web/).");
        }

        if (options.Root is not null && options.UploadOrigin is null)
        {
            failures.Add("Enclave:Web:UploadOrigin is required with Enclave:Web:Root: the page's connect-src names it.");
        }

        CheckOrigin(options.UploadOrigin, "UploadOrigin", failures);
        CheckOrigin(options.SiteOrigin, "SiteOrigin", failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Both end up in a header or a bucket rule, so only a bare scheme://host[:port] is accepted.</summary>
    private static void CheckOrigin(string? value, string key, List<string> failures)
    {
        if (value is null)
        {
            return;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ||
            !string.Equals(uri.GetLeftPart(UriPartial.Authority), value, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Enclave:Web:{key} must be an origin such as https://example.com or http://127.0.0.1:8080, without a path.");
        }
    }
}
