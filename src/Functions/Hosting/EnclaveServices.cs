using Amazon.SimpleSystemsManagement;

using Enclave.Core.Accounts;
using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Mail;
using Enclave.Core.Requests;
using Enclave.Core.Secrets;
using Enclave.Core.Security;
using Enclave.Core.Sessions;
using Enclave.Core.Uploads;
using Enclave.Functions.Auth;
using Enclave.Functions.Http;
using Enclave.Functions.Logging;

using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Enclave.Functions.Hosting;

internal static class EnclaveServices
{
    public static IServiceCollection AddEnclave(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EnclaveHostOptions>().Bind(configuration.GetSection(EnclaveHostOptions.Section)).ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateOnStart();
        services.AddOptions<LimitsOptions>().Bind(configuration.GetSection(LimitsOptions.Section)).ValidateOnStart();
        services.AddOptions<SecretOptions>().Bind(configuration.GetSection(SecretOptions.Section)).ValidateOnStart();
        services.AddOptions<UserDataOptions>().Bind(configuration.GetSection(UserDataOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EnclaveHostOptions>, EnclaveHostOptionsValidator>();
        services.AddSingleton<IValidateOptions<EnclaveHostOptions>, EdgeOptionsValidator>();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddSingleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>();
        services.AddSingleton<IValidateOptions<SecretOptions>, SecretOptionsValidator>();
        services.AddSingleton<IValidateOptions<UserDataOptions>, UserDataOptionsValidator>();
        services.AddSingleton<IValidateOptions<UserDataOptions>, UserDataEmulatorAllowancesValidator>();
        services.AddOptions<Web.WebOptions>().Bind(configuration.GetSection(Web.WebOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Web.WebOptions>, Web.WebOptionsValidator>();
        services.AddOptions<MailOptions>().Bind(configuration.GetSection(MailOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MailOptions>, MailOptionsValidator>();

        services.AddSingleton(TimeProvider.System);
        services.AddMemoryCache();
        services.AddAwsClients();
        var hostSection = configuration.GetSection(EnclaveHostOptions.Section);
        if (hostSection.GetValue<EnclaveMode>("Mode") == EnclaveMode.Local && hostSection.GetValue<string>("AwsCallLog") is { Length: > 0 } callLog)
        {
            // The SDK applies registered customizers to every client built afterwards, the per-request user-data clients too.
            var recorder = new AwsCallRecorder(callLog);
            services.AddSingleton(recorder);
            Amazon.Runtime.Internal.RuntimePipelineCustomizerRegistry.Instance.Register(recorder);
        }

        services.AddSingleton<ISecretSource>(sp =>
        {
            var mode = sp.GetRequiredService<IOptions<EnclaveHostOptions>>().Value.Mode;
            var secrets = sp.GetRequiredService<IOptions<SecretOptions>>().Value;
            return mode == EnclaveMode.Local
                ? new LocalFileSecretSource(secrets.LocalFile!)
                : new SsmSecretSource(sp.GetRequiredService<IAmazonSimpleSystemsManagement>());
        });
        services.AddSingleton<CachedSecretSource>();
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<InstanceIdentity>();
        services.AddSingleton<PasswordPolicy>();
        services.AddSingleton<PasswordHashing>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<ColdStart>();
        services.AddSingleton<ClientAddress>();
        services.AddSingleton<StartupChecks>();

        services.AddScoped<RequestContext>();
        services.AddScoped<CurrentUser>();
        services.AddScoped<IAccessLog, DynamoAccessLog>();
        services.AddScoped<SignInCredentials>();
        services.AddScoped<ProcessorCredentials>();
        services.AddScoped<AccountService>();
        services.AddScoped<Registration>();
        services.AddScoped<PasswordChanges>();
        services.AddScoped<AccountErasure>();
        services.AddSingleton<IMailSender, SmtpMailSender>();
        services.AddSingleton<AccountMail>();
        services.AddScoped<ISessionStore, DynamoSessionStore>();
        services.AddScoped<IUploadStore, DynamoUploadStore>();
        services.AddScoped<IObjectStore, S3ObjectStore>();
        services.AddScoped<UploadService>();
        services.AddScoped<UploadProcessor>();
        services.AddScoped<AuditDigestJob>();
        services.AddScoped<UploadSweeper>();
        services.AddSingleton<ISweepList, DynamoSweepList>();
        services.AddSingleton<IMultipartUploadList, S3MultipartUploadList>();
        var host = configuration.GetSection(EnclaveHostOptions.Section);
        if (host.GetValue<EnclaveRole>("Role") == EnclaveRole.Processor && host.GetValue<EnclaveMode>("Mode") == EnclaveMode.Local)
        {
            services.AddHostedService<Processing.LocalStreamPoller>();
            AddLocalSchedule(services, _ => new(AuditDigestJob.Name, AuditDigestJob.Period, RunAtStart: true));
            AddLocalSchedule(services, sp => new(
                Processing.DynamoStreamEvent.SweepJob,
                TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<LimitsOptions>>().Value.SweepPeriodSeconds),
                RunAtStart: false));
        }

        services.AddAuthentication(options =>
            {
                options.DefaultChallengeScheme = SignInCookieHandler.SchemeName;
                options.DefaultForbidScheme = SignInCookieHandler.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, SignInCookieHandler>(SignInCookieHandler.SchemeName, null);
        // Authentication registers Data Protection; nothing here uses it, so its keys never touch disk.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(SignInCookieHandler.SchemeName)
                .RequireAuthenticatedUser()
                .Build())
            .AddPolicy(Audit.AuditApi.AuditorPolicy, policy => policy
                .AddAuthenticationSchemes(SignInCookieHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireRole(Audit.AuditApi.AuditorRole));

        services.AddEnclaveProblems();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(options =>
        {
            var json = options.SerializerOptions;
            json.TypeInfoResolverChain.Insert(0, AppJsonContext.Default);
            json.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
            json.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            json.AllowDuplicateProperties = false;
            json.AllowTrailingCommas = false;
        });
        services.AddOpenApi("v1");
        return services;
    }

    private static void AddLocalSchedule(IServiceCollection services, Func<IServiceProvider, Processing.ScheduledJob> job) =>
        services.AddSingleton<IHostedService>(sp => new Processing.LocalSchedule(
            job(sp), sp.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>(), sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<Processing.LocalSchedule>>()));
}
