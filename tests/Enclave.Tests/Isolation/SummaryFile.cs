using Enclave.Tests.Infrastructure;

using Xunit.Abstractions;

namespace Enclave.Tests.Isolation;

/// <summary>A test's measured numbers, in its output and in artifacts/test-results/{name}-summary.txt, which ./test.sh prints.</summary>
internal static class SummaryFile
{
    public static async Task WriteAsync(ITestOutputHelper output, string name, string summary)
    {
        output.WriteLine(summary);
        var results = Path.Combine(Repo.Root, "artifacts", "test-results");
        Directory.CreateDirectory(results);
        await File.WriteAllTextAsync(Path.Combine(results, name + "-summary.txt"), summary.TrimEnd() + "\n");
    }
}
