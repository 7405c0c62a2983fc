using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Enclave.Core.Secrets;

/// <summary>
/// A short TTL in front of the store: a secret is process-wide configuration, not user state, and the
/// TTL bounds how long a rotated value takes to arrive.
/// </summary>
public sealed class CachedSecretSource(ISecretSource inner, IMemoryCache cache, IOptions<SecretOptions> options)
{
    public async Task<string> GetAsync(string name, CancellationToken cancellationToken)
    {
        var key = "secret:" + name;
        if (cache.TryGetValue(key, out string? cached) && cached is not null)
        {
            return cached;
        }

        var value = await inner.GetAsync(name, cancellationToken);
        cache.Set(key, value, TimeSpan.FromSeconds(options.Value.CacheSeconds));
        return value;
    }
}
