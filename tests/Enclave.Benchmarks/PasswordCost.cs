using System.Diagnostics;
using Enclave.Core.Accounts;

namespace Enclave.Benchmarks;

/// <summary>CPU cost of one password hash / verification at the configured PBKDF2 parameters.</summary>
internal static class PasswordCost
{
    public static void Print()
    {
        var hashing = new PasswordHashing();
        var hash = hashing.Hash("warm-up passphrase 123");
        const int rounds = 20;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < rounds; i++)
        {
            hashing.Verify(hash, "warm-up passphrase 124");
        }

        wall.Stop();
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / rounds;
        Console.WriteLine($"Password verification (PBKDF2-HMAC-SHA512, {PasswordHashing.Iterations:N0} iterations): " +
                          $"{cpuMs:0.0} ms CPU, {wall.Elapsed.TotalMilliseconds / rounds:0.0} ms wall per login");
    }
}
