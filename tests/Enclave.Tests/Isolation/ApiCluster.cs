using Amazon.DynamoDBv2.Model;

using Enclave.Core.Audit;
using Enclave.Core.Secrets;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Isolation;

/// <summary>
/// Several API processes, and optionally the upload processor, as separate OS processes on their own
/// ports, all on one set of tables and one bucket of the shared local stack.
/// </summary>
public sealed class ApiCluster : IAsyncDisposable
{
    private readonly List<ApiProcess> apis = [];

    private ApiCluster(LocalStack stack) => Stack = stack;

    public LocalStack Stack { get; }

    public TestStorage Storage { get; } = TestStorage.Create();

    public IReadOnlyList<ApiProcess> Apis => apis;

    public ApiProcess? Processor { get; private set; }

    public static async Task<ApiCluster> StartAsync(int apiCount, bool withProcessor, Action<Dictionary<string, string>>? configure = null)
    {
        var cluster = new ApiCluster(await LocalStack.GetAsync());
        try
        {
            // One after another: the first creates the tables and the Local secrets file the others then share.
            for (var i = 0; i < apiCount; i++)
            {
                var settings = ApiProcess.Settings(cluster.Stack, cluster.Storage);
                configure?.Invoke(settings);
                cluster.apis.Add(await ApiProcess.StartAsync(settings));
            }

            if (withProcessor)
            {
                var settings = ApiProcess.Settings(cluster.Stack, cluster.Storage);
                settings["Enclave__Role"] = "Processor";
                configure?.Invoke(settings);
                cluster.Processor = await ApiProcess.StartAsync(settings);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every access record in the cluster's audit table (a test table, so a scan reads only this test's records).</summary>
    public async Task<IReadOnlyList<StoredAccessRecord>> AccessRecordsAsync()
    {
        using var dynamo = Stack.CreateDynamo();
        var records = new List<StoredAccessRecord>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.ScanAsync(new ScanRequest { TableName = Storage.AuditTable, ExclusiveStartKey = start });
            records.AddRange(page.Items.Where(i => i["pk"].S.StartsWith(AccessRecordLayout.ActorPrefix, StringComparison.Ordinal)).Select(StoredAccessRecord.FromItem));
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return records;
    }

    /// <summary>The audit key the processes generated in Local mode, read from their shared git-ignored file.</summary>
    public async Task<SigningKey> AuditKeyAsync()
    {
        var source = new LocalFileSecretSource(Path.Combine(Stack.StateDir, Storage.Prefix + "-secrets.json"));
        return new SigningKey(System.Text.Encoding.UTF8.GetBytes(await source.GetAsync(SigningKeys.LocalAuditKeyName, CancellationToken.None)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var api in apis)
        {
            await api.DisposeAsync();
        }

        if (Processor is not null)
        {
            await Processor.DisposeAsync();
        }
    }
}
