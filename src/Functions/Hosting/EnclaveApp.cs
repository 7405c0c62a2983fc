using Enclave.Core.Configuration;
using Enclave.Functions.Audit;
using Enclave.Functions.Auth;
using Enclave.Functions.Health;
using Enclave.Functions.Http;
using Enclave.Functions.Logging;
using Enclave.Functions.Processing;
using Enclave.Functions.Sessions;
using Enclave.Functions.Uploads;
using Enclave.Functions.Web;

namespace Enclave.Functions.Hosting;

/// <summary>Composition of the API: the same build runs locally, in tests and in Lambda (via the Web Adapter).</summary>
internal static class EnclaveApp
{
    public const int MaxRequestBodyBytes = 64 * 1024;

    public static WebApplication Build(string[] args)
    {
        // Settings ship beside the binary, wherever the process is started from.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.AddPowertoolsJson();
        builder.Logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.None);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });
        builder.Services.AddEnclave(builder.Configuration);

        var app = builder.Build();
        // Raw settings here: validation runs in StartupChecks, where a bad value gives a clear refusal.
        var host = builder.Configuration.GetSection(EnclaveHostOptions.Section);
        if (!string.IsNullOrEmpty(host[nameof(EnclaveHostOptions.OriginSecretName)]))
        {
            app.UseMiddleware<OriginVerifyMiddleware>();
        }

        app.UseMiddleware<RequestContextMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<Utf8BodyMiddleware>();
        app.UseEnclaveWeb();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<CsrfAndScopeMiddleware>();

        app.MapHealth();
        if (host.GetValue<EnclaveRole>(nameof(EnclaveHostOptions.Role)) == EnclaveRole.Processor)
        {
            app.MapEvents();
            return app;
        }

        app.MapOpenApi("/api/openapi.json");
        app.MapAuth();
        app.MapSessions();
        app.MapUploads();
        app.MapAudit();
        return app;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var app = Build(args);
        try
        {
            await app.Services.GetRequiredService<StartupChecks>().RunAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is Microsoft.Extensions.Options.OptionsValidationException or InvalidOperationException ||
                                   ex is AggregateException { InnerExceptions: var all } && all.All(e => e is Microsoft.Extensions.Options.OptionsValidationException))
        {
            // The start-up validator throws one exception per options class that failed, together when several did.
            var message = ex is AggregateException many ? string.Join(" ", many.InnerExceptions.Select(e => e.Message)) : ex.Message;
            app.Logger.LogStartupRefused(message);
            await Console.Error.WriteLineAsync("Start-up refused: " + message);
            return 78;
        }

        await app.RunAsync();
        return 0;
    }
}
