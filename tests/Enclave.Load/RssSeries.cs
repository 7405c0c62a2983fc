using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Enclave.Load;

/// <summary>One sample: when, how many requests were answered by then, and each process's resident memory.</summary>
internal sealed record RssSample(TimeSpan At, int Requests, double[] MiB);

/// <summary>
/// The resident memory of every server process, sampled while the users run, printed as it comes and judged at the end:
/// after a warm-up (the first third of the samples: heaps reach their working size while users sign up), a process is
/// "flat" when the median of the last third of its samples is within <see cref="Tolerance"/> of the median of the first
/// third, otherwise it "grows".
/// </summary>
internal sealed class RssSeries(IReadOnlyList<(string Name, int Pid)> processes)
{
    public const double Tolerance = 0.10;

    private const int MinimumJudged = 6;

    private readonly List<RssSample> samples = [];

    public IReadOnlyList<RssSample> Samples => samples;

    public async Task SampleAsync(TimeSpan interval, Stopwatch clock, Func<int> requests, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        Console.WriteLine($"  {"time",6} {"requests",9} {"req/s",6}  RSS MiB: {string.Join(" ", processes.Select(p => $"{p.Name,9}"))}");
        try
        {
            do
            {
                var sample = new RssSample(clock.Elapsed, requests(), [.. processes.Select(p => ProcessStats.RssMiB(p.Pid))]);
                var rate = samples.Count == 0 ? 0 : (sample.Requests - samples[^1].Requests) / (sample.At - samples[^1].At).TotalSeconds;
                samples.Add(sample);
                Console.WriteLine(Row(sample, rate));
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The users are done; the last sample was taken one interval ago at most.
        }
    }

    /// <summary>At most <paramref name="rows"/> evenly spaced samples, the first and the last always among them.</summary>
    public string Table(int rows)
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"  {"time",6} {"requests",9} {"",6}  RSS MiB: {string.Join(" ", processes.Select(p => $"{p.Name,9}"))}\n");
        var picked = Enumerable.Range(0, Math.Min(rows, samples.Count))
            .Select(i => samples.Count <= rows ? i : (int)Math.Round(i * (samples.Count - 1) / (double)(rows - 1)))
            .Distinct();
        foreach (var i in picked)
        {
            text.AppendLine(Row(samples[i], null));
        }

        return text.ToString();
    }

    /// <summary>Each process's verdict with its two medians; null when there are too few samples to judge.</summary>
    public IReadOnlyList<(string Name, double First, double Last, string Verdict)>? Verdicts()
    {
        var judged = samples.Skip(samples.Count / 3).ToList();
        if (judged.Count < MinimumJudged)
        {
            return null;
        }

        var third = judged.Count / 3;
        return [.. processes.Select((p, i) =>
        {
            var first = Median(judged.Take(third).Select(s => s.MiB[i]));
            var last = Median(judged.Skip(judged.Count - third).Select(s => s.MiB[i]));
            return (p.Name, first, last, last <= first * (1 + Tolerance) ? "flat" : "grows");
        })];
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Row(RssSample s, double? rate) => string.Create(CultureInfo.InvariantCulture,
        $"  {s.At.TotalSeconds,5:0}s {s.Requests,9} {(rate is { } r ? r.ToString("0", CultureInfo.InvariantCulture) : ""),6}           {string.Join(" ", s.MiB.Select(m => $"{m,9:0.0}"))}");
}
