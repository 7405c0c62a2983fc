using System.Reflection;

using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;

using Enclave.Core.Secrets;

using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Enclave.Tests.Unit;

/// <summary>No emulator exists for SSM or Secrets Manager, so the thin adapter is tested against the SDK interface.</summary>
public sealed class SecretSourceTests
{
    [Fact]
    public async Task Reads_secrets_manager_values_through_the_ssm_reference_path_with_decryption()
    {
        var ssm = FakeSsm.Create(request => new GetParameterResponse { Parameter = new Parameter { Value = "value-of-" + request.Name } });
        var value = await new SsmSecretSource(ssm).GetAsync("enclave/cookie", CancellationToken.None);
        Assert.Equal("value-of-/aws/reference/secretsmanager/enclave/cookie", value);
        var request = Assert.Single(((FakeSsm)(object)ssm).Requests);
        Assert.True(request.WithDecryption);
    }

    [Fact]
    public async Task Store_failures_become_secret_unavailable_without_the_value()
    {
        var ssm = FakeSsm.Create(_ => throw new AmazonSimpleSystemsManagementException("denied") { ErrorCode = "AccessDeniedException" });
        var error = await Assert.ThrowsAsync<SecretUnavailableException>(() => new SsmSecretSource(ssm).GetAsync("enclave/cookie", CancellationToken.None));
        Assert.Contains("AccessDeniedException", error.Message, StringComparison.Ordinal);

        var empty = FakeSsm.Create(_ => new GetParameterResponse { Parameter = new Parameter { Value = "" } });
        await Assert.ThrowsAsync<SecretUnavailableException>(() => new SsmSecretSource(empty).GetAsync("x", CancellationToken.None));
    }

    [Fact]
    public async Task Values_are_cached_for_the_configured_ttl_only()
    {
        var ssm = FakeSsm.Create(_ => new GetParameterResponse { Parameter = new Parameter { Value = new string('k', 40) } });
        var options = Options.Create(new SecretOptions { CacheSeconds = 1 });
        using var cache = new MemoryCache(new MemoryCacheOptions());
        var keys = new SigningKeys(new CachedSecretSource(new SsmSecretSource(ssm), cache, options), Options.Create(new SecretOptions { CookieKeyName = "c", AuditKeyName = "a" }));
        await keys.CookieKeyAsync(CancellationToken.None);
        await keys.CookieKeyAsync(CancellationToken.None);
        Assert.Single(((FakeSsm)(object)ssm).Requests);
        await Task.Delay(1300);
        await keys.CookieKeyAsync(CancellationToken.None);
        Assert.Equal(2, ((FakeSsm)(object)ssm).Requests.Count);
    }

    [Fact]
    public async Task Short_keys_are_refused()
    {
        var ssm = FakeSsm.Create(_ => new GetParameterResponse { Parameter = new Parameter { Value = "too-short" } });
        using var cache = new MemoryCache(new MemoryCacheOptions());
        var options = Options.Create(new SecretOptions { CookieKeyName = "c", AuditKeyName = "a" });
        var keys = new SigningKeys(new CachedSecretSource(new SsmSecretSource(ssm), cache, options), options);
        await Assert.ThrowsAsync<SecretUnavailableException>(() => keys.AuditKeyAsync(CancellationToken.None));
    }

    [Fact]
    public void Options_validation_demands_secret_names_outside_local_mode()
    {
        var aws = Options.Create(new Core.Configuration.EnclaveHostOptions { Mode = Core.Configuration.EnclaveMode.Aws });
        Assert.True(new SecretOptionsValidator(aws).Validate(null, new SecretOptions()).Failed);
        Assert.True(new SecretOptionsValidator(aws).Validate(null, new SecretOptions { CookieKeyName = "c", AuditKeyName = "a", LocalFile = "x" }).Failed);
        Assert.True(new SecretOptionsValidator(aws).Validate(null, new SecretOptions { CookieKeyName = "c", AuditKeyName = "a" }).Succeeded);
        var unset = Options.Create(new Core.Configuration.EnclaveHostOptions());
        Assert.True(new SecretOptionsValidator(unset).Validate(null, new SecretOptions { LocalFile = "x" }).Failed);
    }

    /// <summary>Implements only GetParameterAsync of the large SSM interface; anything else fails the test.</summary>
    public class FakeSsm : DispatchProxy
    {
        private Func<GetParameterRequest, GetParameterResponse> answer = null!;

        public List<GetParameterRequest> Requests { get; } = [];

        public static IAmazonSimpleSystemsManagement Create(Func<GetParameterRequest, GetParameterResponse> answer)
        {
            var proxy = Create<IAmazonSimpleSystemsManagement, FakeSsm>();
            ((FakeSsm)(object)proxy).answer = answer;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IAmazonSimpleSystemsManagement.GetParameterAsync) && args?[0] is GetParameterRequest request)
            {
                Requests.Add(request);
                try
                {
                    return Task.FromResult(answer(request));
                }
                catch (Exception ex)
                {
                    return Task.FromException<GetParameterResponse>(ex);
                }
            }

            throw new NotSupportedException(targetMethod?.Name);
        }
    }
}
