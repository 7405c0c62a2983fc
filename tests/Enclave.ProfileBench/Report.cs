using System.Globalization;

namespace Enclave.ProfileBench;

internal static class Report
{
    internal sealed record Row(string File, long Bytes, string Engine, double Seconds, double MegabytesPerSecond, double PeakMb,
        double ProcessSeconds, double MaxLoad, RunResult Check);

    public static Row Summarise(string file, long bytes, List<(RunResult Result, double PeakMb, double ProcessSeconds, double Load)> runs)
    {
        // Median time of the work; peak memory is the largest seen (it is what a Lambda must be sized for).
        var ordered = runs.OrderBy(r => r.Result.Seconds).ToList();
        var median = ordered[ordered.Count / 2];
        return new Row(file, bytes, median.Result.Engine, median.Result.Seconds, bytes / 1048576.0 / median.Result.Seconds,
            runs.Max(r => r.PeakMb), median.ProcessSeconds, runs.Max(r => r.Load), median.Result);
    }

    public static void Print(List<Row> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine("| file | engine | seconds (median) | MiB/s | peak RSS MB | process s | load avg | rows | amount mean | amount nulls | name distinct | city distinct |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            string timing = double.IsNaN(r.Seconds)
                ? "(not timed) | | | | "
                : string.Create(inv, $"{r.Seconds:F2} | {r.MegabytesPerSecond:F0} | {r.PeakMb:F0} | {r.ProcessSeconds:F2} | {r.MaxLoad:F1}");
            Console.WriteLine(string.Create(inv,
                $"| {r.File} | {r.Engine} | {timing} | {r.Check.Rows:N0} | {r.Check.AmountMean:F4} | {r.Check.AmountNulls:N0} | {r.Check.NameDistinct:N0} | {r.Check.CityDistinct:N0} |"));
        }
    }

    public static void PrintPackageSizes()
    {
        string baseDirectory = AppContext.BaseDirectory;
        Console.WriteLine();
        Console.WriteLine("Shipped size (this build's output):");
        foreach (string relative in new[]
                 {
                     "Enclave.Core.dll", "DuckDB.NET.Data.dll", "DuckDB.NET.Bindings.dll", "runtimes/linux-x64/native/libduckdb.so",
                 })
        {
            var file = new FileInfo(Path.Combine(baseDirectory, relative));
            Console.WriteLine(file.Exists ? string.Create(CultureInfo.InvariantCulture, $"  {relative}: {file.Length / 1048576.0:F2} MiB") : $"  {relative}: not found");
        }

        string runtimes = Path.Combine(baseDirectory, "runtimes");
        if (Directory.Exists(runtimes))
        {
            long all = new DirectoryInfo(runtimes).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  all DuckDB native libraries (no runtime identifier given): {all / 1048576.0:F0} MiB"));
        }

        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ??
                      Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var nupkg = new DirectoryInfo(Path.Combine(home, "duckdb.net.bindings.full"))
            .EnumerateFiles("*.nupkg", SearchOption.AllDirectories).FirstOrDefault();
        if (nupkg is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {nupkg.Name} (download): {nupkg.Length / 1048576.0:F0} MiB"));
        }
    }
}
