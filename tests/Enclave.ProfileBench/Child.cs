using System.Diagnostics;
using System.Globalization;

namespace Enclave.ProfileBench;

/// <summary>
/// Each measurement runs in a fresh process so its peak resident memory (VmHWM) belongs to one engine and one file
/// only, and no JIT, page or allocator state carries over between engines.
/// </summary>
internal static class Child
{
    /// <summary>Runs one measurement in this program, or in <paramref name="binary"/> (the Native AOT build) when given.</summary>
    public static async Task<(RunResult Result, double PeakMb, double ProcessSeconds)> RunAsync(string engine, string file, string? binary = null)
    {
        var start = new ProcessStartInfo(binary ?? Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Started as "dotnet Enclave.ProfileBench.dll", the host needs the assembly again; as an apphost it does not.
        if (binary is null && Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Enclave.ProfileBench.dll"));
        }

        foreach (string argument in new[] { "child", engine, file })
        {
            start.ArgumentList.Add(argument);
        }

        var timer = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        timer.Stop();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{engine} failed ({process.ExitCode}): {await error}");
        }

        return Parse(await output, timer.Elapsed.TotalSeconds);
    }

    public static string Format(RunResult r, double peakMb) => string.Join('\t',
        r.Engine,
        r.Seconds.ToString("R", CultureInfo.InvariantCulture),
        r.Rows.ToString(CultureInfo.InvariantCulture),
        r.AmountMean.ToString("R", CultureInfo.InvariantCulture),
        r.AmountNulls.ToString(CultureInfo.InvariantCulture),
        r.NameDistinct.ToString(CultureInfo.InvariantCulture),
        r.CityDistinct.ToString(CultureInfo.InvariantCulture),
        peakMb.ToString("R", CultureInfo.InvariantCulture));

    private static (RunResult, double, double) Parse(string output, double processSeconds)
    {
        string[] f = output.Trim().Split('\n')[^1].Split('\t');
        var inv = CultureInfo.InvariantCulture;
        var result = new RunResult(f[0], double.Parse(f[1], inv), long.Parse(f[2], inv), double.Parse(f[3], inv), long.Parse(f[4], inv),
            long.Parse(f[5], inv), long.Parse(f[6], inv));
        return (result, double.Parse(f[7], inv), processSeconds);
    }
}

internal static class PeakMemory
{
    /// <summary>The 1-minute load average: the numbers mean little if other work shared the two cores.</summary>
    public static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>VmHWM: the peak resident set size of this process, native allocations (DuckDB's) included.</summary>
    public static double ResidentMegabytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return double.NaN;
    }
}
