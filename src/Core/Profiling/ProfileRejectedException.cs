namespace Enclave.Core.Profiling;

/// <summary>
/// Carries a user-facing reason out of deep parsing code to <see cref="FileProfiler"/>, which turns it into
/// <see cref="ProfileOutcome.Rejected"/>. It never leaves the profiler.
/// </summary>
internal sealed class ProfileRejectedException : Exception
{
    public ProfileRejectedException()
    {
    }

    public ProfileRejectedException(string message)
        : base(message)
    {
    }

    public ProfileRejectedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
