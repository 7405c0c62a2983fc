using Enclave.Core.Audit;

namespace Enclave.Functions.Http;

/// <summary>
/// A request naming a well-formed id that is refused before any store call (a 400 on its body or query)
/// still leaves one record, with outcome denied, before the problem is returned.
/// </summary>
internal static class RecordedRefusal
{
    public const string InvalidInput = "invalid-input";

    public static async Task<ProblemResult> RefusedAsync(this IAccessLog accessLog, AccessEvent refusal, ProblemResult problem,
        CancellationToken cancellationToken)
    {
        await accessLog.WriteAsync(refusal, cancellationToken);
        return problem;
    }
}
