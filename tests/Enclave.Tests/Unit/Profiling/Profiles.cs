using System.Text;

using Enclave.Core.Profiling;

namespace Enclave.Tests.Unit.Profiling;

/// <summary>Runs the profiler over bytes in memory and unwraps the outcome the test expects.</summary>
internal static class Profiles
{
    public static Task<ProfileOutcome> Run(byte[] content, FileKind kind, ProfileLimits? limits = null) =>
        FileProfiler.ProfileAsync(new MemoryStream(content, writable: false), kind, limits ?? new ProfileLimits(), CancellationToken.None);

    public static async Task<FileProfile> Ready(byte[] content, FileKind kind, ProfileLimits? limits = null)
    {
        var outcome = await Run(content, kind, limits);
        return Assert.IsType<ProfileOutcome.Ready>(outcome).Profile;
    }

    public static async Task<TableProfile> Table(string content, FileKind kind = FileKind.Csv, ProfileLimits? limits = null) =>
        Assert.Single((await Ready(Encoding.UTF8.GetBytes(content), kind, limits)).Tables);

    public static async Task<string> Rejected(byte[] content, FileKind kind, ProfileLimits? limits = null)
    {
        var outcome = await Run(content, kind, limits);
        return Assert.IsType<ProfileOutcome.Rejected>(outcome).Reason;
    }

    public static Task<string> Rejected(string content, FileKind kind = FileKind.Csv, ProfileLimits? limits = null) =>
        Rejected(Encoding.UTF8.GetBytes(content), kind, limits);

    public static double? Number(this System.Text.Json.JsonElement? value) => value?.GetDouble();

    public static ColumnProfile Column(this TableProfile table, string name) => Assert.Single(table.Columns, c => c.Name == name);

    public static byte[] Bytes(params object[] parts)
    {
        var bytes = new List<byte>();
        foreach (var part in parts)
        {
            bytes.AddRange(part switch
            {
                string text => Encoding.UTF8.GetBytes(text),
                byte[] raw => raw,
                _ => throw new ArgumentException("strings or byte arrays", nameof(parts)),
            });
        }

        return [.. bytes];
    }
}
