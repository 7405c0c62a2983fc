using System.Globalization;

namespace Enclave.Load;

/// <summary>What the kernel says about one process: resident memory (VmRSS in /proc/PID/status) and CPU time (/proc/PID/stat).</summary>
internal static class ProcessStats
{
    // USER_HZ, the unit of utime and stime; 100 on every Linux the project runs on.
    private const double TicksPerSecond = 100;

    public static double RssMiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kib = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return kib / 1024.0;
    }

    public static double CpuSeconds(int pid)
    {
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
