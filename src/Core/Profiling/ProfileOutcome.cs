namespace Enclave.Core.Profiling;

/// <summary>Either a profile, or a short reason for the user why the file was not accepted.</summary>
public abstract record ProfileOutcome
{
    private ProfileOutcome()
    {
    }

    public sealed record Ready(FileProfile Profile) : ProfileOutcome;

    /// <summary>A short, user-facing reason. It never carries exception text, and names only validated entry names.</summary>
    public sealed record Rejected(string Reason) : ProfileOutcome;
}
