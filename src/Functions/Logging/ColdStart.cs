namespace Enclave.Functions.Logging;

/// <summary>True exactly once per process, for the Powertools <c>cold_start</c> field. Not user state.</summary>
internal sealed class ColdStart
{
    private int served;

    public bool Claim() => Interlocked.Exchange(ref served, 1) == 0;
}
