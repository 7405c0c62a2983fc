using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;

using Enclave.Core.Configuration;
using Enclave.Core.Secrets;
using Enclave.Core.Storage;
using Enclave.Functions.Web;

using Microsoft.Extensions.Options;

namespace Enclave.Functions.Hosting;

/// <summary>
/// Runs before the server accepts a request: validates every setting, then makes sure the secrets are
/// really there. Local mode generates its secrets and creates its tables and bucket; no other mode
/// invents anything.
/// </summary>
internal sealed partial class StartupChecks(
    IServiceProvider services,
    IOptions<EnclaveHostOptions> host,
    IOptions<StorageOptions> storage,
    IOptions<WebOptions> web,
    IOptions<Core.Mail.MailOptions> mail,
    ILogger<StartupChecks> logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Every options class registered with ValidateOnStart; throws with every failure listed.
        services.GetRequiredService<IStartupValidator>().Validate();
        if (host.Value.Mode == EnclaveMode.Local)
        {
            var source = (LocalFileSecretSource)services.GetRequiredService<ISecretSource>();
            if (source.EnsureGenerated([SigningKeys.LocalCookieKeyName, SigningKeys.LocalAuditKeyName]))
            {
                LogGeneratedSecrets(logger, source.Path);
            }

            await CreateLocalStorageAsync(cancellationToken);
        }

        var keys = services.GetRequiredService<SigningKeys>();
        try
        {
            // The processor signs records but never a cookie; its role may not even read the cookie key.
            if (host.Value.Role == EnclaveRole.Api)
            {
                await keys.CookieKeyAsync(cancellationToken);
            }

            await keys.AuditKeyAsync(cancellationToken);
            if (host.Value.Role == EnclaveRole.Api && mail.Value.CredentialsSecretName is { Length: > 0 } mailSecret)
            {
                await services.GetRequiredService<CachedSecretSource>().GetAsync(mailSecret, cancellationToken);
            }
            if (host.Value.OriginSecretName is { Length: > 0 } originSecret)
            {
                OriginSecret.Matches(await services.GetRequiredService<CachedSecretSource>().GetAsync(originSecret, cancellationToken), "");
            }
        }
        catch (SecretUnavailableException ex)
        {
            throw new InvalidOperationException("Start-up refused: the keys could not be read from the secret store. " + ex.Message, ex);
        }

        // The decoy hash that unknown emails are checked against, computed before the first sign-in rather than during it.
        services.GetRequiredService<Core.Accounts.PasswordHashing>().Warm();
    }

    private async Task CreateLocalStorageAsync(CancellationToken cancellationToken)
    {
        var dynamo = services.GetRequiredService<IAmazonDynamoDB>();
        var options = storage.Value;
        foreach (var table in new[]
                 {
                     TableSchemas.Identity(options.IdentityTable), TableSchemas.Data(options.DataTable), TableSchemas.Audit(options.AuditTable),
                 })
        {
            try
            {
                await dynamo.CreateTableAsync(table, cancellationToken);
                await dynamo.UpdateTimeToLiveAsync(
                    new UpdateTimeToLiveRequest
                    {
                        TableName = table.TableName,
                        TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = Attr.Ttl, Enabled = true },
                    },
                    cancellationToken);
            }
            catch (ResourceInUseException)
            {
                // Another local process created it first.
            }
        }

        var s3 = services.GetRequiredService<IAmazonS3>();
        try
        {
            await s3.PutBucketAsync(options.UploadBucket, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            // Already there from an earlier start.
        }

        // Versioned, as in AWS: complete pins the version it checked, so a later write to the key never replaces it.
        await s3.PutBucketVersioningAsync(
            new PutBucketVersioningRequest
            {
                BucketName = options.UploadBucket,
                VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled },
            },
            cancellationToken);

        // The browser posts uploads (and puts parts) straight to the bucket, cross-origin: only the site's origin may.
        if (web.Value.SiteOrigin is { } siteOrigin)
        {
            await s3.PutCORSConfigurationAsync(
                new PutCORSConfigurationRequest
                {
                    BucketName = options.UploadBucket,
                    Configuration = new CORSConfiguration
                    {
                        Rules = [new CORSRule { AllowedOrigins = [siteOrigin], AllowedMethods = ["POST", "PUT"], AllowedHeaders = ["content-type"], MaxAgeSeconds = 600 }],
                    },
                },
                cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local mode: generated random development secrets into {Path}")]
    private static partial void LogGeneratedSecrets(ILogger logger, string path);
}
