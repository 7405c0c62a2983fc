using Enclave.Core.Security;

using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Enclave.Functions.Web;

/// <summary>Serves the built browser app from Enclave:Web:Root, same origin as /api, under a strict CSP.</summary>
internal static class WebApp
{
    /// <summary>The bundler puts a content hash in every file name under assets/, so those never change.</summary>
    private const string HashedAssetsPath = "/assets";

    public static WebApplication UseEnclaveWeb(this WebApplication app)
    {
        var options = app.Configuration.GetSection(WebOptions.Section);
        var root = options[nameof(WebOptions.Root)];
        var uploadOrigin = options[nameof(WebOptions.UploadOrigin)];

        // A missing folder or origin is reported by StartupChecks, which refuses to start.
        if (root is null || uploadOrigin is null || !Directory.Exists(root))
        {
            return app;
        }

        var files = new PhysicalFileProvider(Path.GetFullPath(root));
        var policy = PageSecurityPolicy.For(uploadOrigin);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = policy;
                headers.CacheControl = context.Context.Request.Path.StartsWithSegments(HashedAssetsPath)
                    ? "public, max-age=31536000, immutable"
                    : "no-cache";
            },
        });
        return app;
    }
}
