using System.Diagnostics;
using System.Globalization;

using Enclave.ProfileBench;

// Usage:
//   Enclave.ProfileBench [--sizes 100,1024] [--repeat 3] [--engines ours,duckdb,duckdb+topk] [--aot path/to/aot/binary]
//       generates the CSVs in a temporary directory, measures each engine on each in a fresh child process (and, with
//       --aot, each engine again in the Native AOT build), prints a table, and deletes the files.
//   Enclave.ProfileBench child <engine> <file>   (internal: one measurement; prints one result line)
//   Enclave.ProfileBench sql                      (prints the DuckDB statement)
if (args is ["child", var childEngine, var file])
{
    var result = await Engines.RunAsync(childEngine, file);
    Console.WriteLine(Child.Format(result, PeakMemory.ResidentMegabytes()));
    return 0;
}

if (args is ["sql"])
{
    Console.WriteLine(Engines.Sql("data.csv", topK: false));
    return 0;
}

var sizes = Option(args, "--sizes", "100,1024").Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToList();
int repeat = int.Parse(Option(args, "--repeat", "3"), CultureInfo.InvariantCulture);
var engines = Option(args, "--engines", string.Join(',', Engines.All)).Split(',');
string? aot = Option(args, "--aot", "") is { Length: > 0 } path ? Path.GetFullPath(path) : null;

string directory = Path.Combine(Path.GetTempPath(), "enclave-profile-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(directory);
var rows = new List<Report.Row>();
try
{
    foreach (long megabytes in sizes)
    {
        string csv = Path.Combine(directory, $"data-{megabytes}MiB.csv");
        var generation = Stopwatch.StartNew();
        long written = CsvGenerator.Write(csv, megabytes << 20);
        long bytes = new FileInfo(csv).Length;
        Console.Error.WriteLine($"generated {csv}: {bytes / 1048576.0:F1} MiB, {written:N0} rows in {generation.Elapsed.TotalSeconds:F1} s");

        var variants = engines.Select(e => (Name: e, Binary: (string?)null)).ToList();
        if (aot is not null)
        {
            variants.AddRange(engines.Where(e => e != "duckdb+topk").Select(e => (Name: e + " (AOT)", Binary: (string?)aot)));
        }

        foreach (var (name, binary) in variants)
        {
            string engine = name.Replace(" (AOT)", "", StringComparison.Ordinal);
            var runs = new List<(RunResult Result, double PeakMb, double ProcessSeconds, double Load)>();
            for (int i = 0; i < repeat; i++)
            {
                double load = PeakMemory.LoadAverage();
                var (result, peak, seconds) = await Child.RunAsync(engine, csv, binary);
                Console.Error.WriteLine($"  {name} #{i + 1}: {result.Seconds:F2} s, peak RSS {peak:F0} MB, load {load:F1}");
                runs.Add((result with { Engine = name }, peak, seconds, load));
            }

            rows.Add(Report.Summarise(Path.GetFileName(csv), bytes, runs));
        }

        var exact = await Child.RunAsync(Engines.Exact, csv);
        rows.Add(new Report.Row(Path.GetFileName(csv), bytes, Engines.Exact, double.NaN, double.NaN, exact.PeakMb, exact.ProcessSeconds, double.NaN, exact.Result));
        File.Delete(csv);
    }
}
finally
{
    Directory.Delete(directory, recursive: true);
}

Report.Print(rows);
Report.PrintPackageSizes();
return 0;

static string Option(string[] args, string name, string fallback)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
