using System.Globalization;
using System.Text;

using Enclave.Tests.Isolation;

namespace Enclave.Load;

/// <summary>p50 and p99 (nearest rank) of the exchanges' latencies, overall and per route (storage requests apart).</summary>
internal static class Latencies
{
    public static string RouteOf(Exchange e) => e.ToStorage ? "storage " + e.Method : IsolationChecks.RouteOf(e);

    public static (double P50, double P99) Of(IEnumerable<Exchange> exchanges)
    {
        var sorted = exchanges.Select(e => e.Latency.TotalMilliseconds).Order().ToList();
        return sorted.Count == 0 ? (0, 0) : (Rank(sorted, 0.50), Rank(sorted, 0.99));
    }

    public static string Table(IReadOnlyList<Exchange> exchanges)
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"  {"route",-62} {"count",7} {"p50 ms",8} {"p99 ms",8}\n");
        foreach (var route in exchanges.GroupBy(RouteOf, StringComparer.Ordinal).OrderByDescending(g => g.Count()))
        {
            var (p50, p99) = Of(route);
            text.AppendLine(CultureInfo.InvariantCulture, $"  {route.Key,-62} {route.Count(),7} {p50,8:0} {p99,8:0}");
        }

        return text.ToString();
    }

    private static double Rank(List<double> sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
