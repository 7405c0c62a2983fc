using System.Net;
using System.Text;

using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

using Enclave.Core.Storage;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Faults;

/// <summary>
/// Real DynamoDB cancels a transaction with <c>TransactionConflict</c> when another request holds one of its items
/// (two uploads of one session raise its counter at once). DynamoDB Local runs transactions one at a time and never
/// does, so a handler in front of it answers the first transactions with DynamoDB's own conflict response; everything
/// else reaches DynamoDB Local.
/// </summary>
public sealed class TransactionConflictTests : IAsyncLifetime
{
    private readonly TestStorage storage = TestStorage.Create();
    private LocalStack stack = null!;
    private IAmazonDynamoDB dynamo = null!;

    public async Task InitializeAsync()
    {
        stack = await LocalStack.GetAsync();
        dynamo = stack.CreateDynamo();
        await dynamo.CreateTableAsync(TableSchemas.Identity(storage.IdentityTable));
    }

    public async Task DisposeAsync()
    {
        await dynamo.DeleteTableAsync(storage.IdentityTable);
        dynamo.Dispose();
    }

    [Fact]
    public async Task A_transaction_that_met_concurrent_ones_is_sent_again_and_commits_once()
    {
        var conflicts = new ConflictingHttpClientFactory(Transactions.Attempts - 1);
        using var client = stack.CreateDynamo(conflicts);
        var owner = NewOwner();

        Assert.True(await client.TryCommitAsync(CountAndRecord(owner), CancellationToken.None));

        Assert.Equal(Transactions.Attempts, conflicts.Transactions);
        Assert.Equal("1", (await ReadAsync(owner, "COUNTER"))?["count"].N);
        Assert.NotNull(await ReadAsync(owner, "RECORD"));
    }

    [Fact]
    public async Task A_transaction_that_keeps_meeting_concurrent_ones_is_a_dependency_failure_and_writes_nothing()
    {
        var conflicts = new ConflictingHttpClientFactory(int.MaxValue);
        using var client = stack.CreateDynamo(conflicts);
        var owner = NewOwner();

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => client.CommitAsync(CountAndRecord(owner), CancellationToken.None));

        Assert.Equal(Transactions.Attempts, conflicts.Transactions);
        Assert.Null(await ReadAsync(owner, "COUNTER"));
        Assert.Null(await ReadAsync(owner, "RECORD"));
    }

    [Fact]
    public async Task A_failed_condition_is_a_refusal_at_once_not_a_conflict_to_wait_out()
    {
        var conflicts = new ConflictingHttpClientFactory(0);
        using var client = stack.CreateDynamo(conflicts);
        var owner = NewOwner();
        var items = CountAndRecord(owner);
        items[0].Update.ConditionExpression = "attribute_exists(pk)";

        Assert.False(await client.TryCommitAsync(items, CancellationToken.None));
        Assert.False(await client.TryCommitAllAsync(items, CancellationToken.None));

        Assert.Equal(2, conflicts.Transactions);
        Assert.Null(await ReadAsync(owner, "RECORD"));
    }

    [Fact]
    public void Every_transaction_of_the_shipped_code_goes_through_the_one_helper()
    {
        var direct = Directory.EnumerateFiles(Path.Combine(Repo.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => Path.GetFileName(f) != "Transactions.cs" && File.ReadAllText(f).Contains(".TransactWriteItemsAsync(", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Repo.Root, f));
        Assert.Empty(direct);
    }

    private static string NewOwner() => "ACCOUNT#" + Guid.NewGuid().ToString("N");

    private List<TransactWriteItem> CountAndRecord(string owner) =>
    [
        new()
        {
            Update = new Update
            {
                TableName = storage.IdentityTable,
                Key = Attr.Key(owner, "COUNTER"),
                UpdateExpression = "ADD #count :one",
                ExpressionAttributeNames = new() { ["#count"] = "count" },
                ExpressionAttributeValues = new() { [":one"] = Attr.N(1) },
            },
        },
        new() { Put = new Put { TableName = storage.IdentityTable, Item = Attr.Key(owner, "RECORD"), ConditionExpression = "attribute_not_exists(pk)" } },
    ];

    private async Task<Dictionary<string, AttributeValue>?> ReadAsync(string owner, string sortKey)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = storage.IdentityTable, Key = Attr.Key(owner, sortKey), ConsistentRead = true });
        return response.IsItemSet ? response.Item : null;
    }

    /// <summary>Answers the first <c>conflicts</c> TransactWriteItems requests as DynamoDB does when another transaction holds the second item.</summary>
    private sealed class ConflictingHttpClientFactory(int conflicts) : HttpClientFactory
    {
        private readonly int conflicts = conflicts;
        private int transactions;

        public int Transactions => Volatile.Read(ref transactions);

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Handler(this) { InnerHandler = new SocketsHttpHandler() });

        private sealed class Handler(ConflictingHttpClientFactory owner) : DelegatingHandler
        {
            private const string Body =
                """{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]","CancellationReasons":[{"Code":"None"},{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}]}""";

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (request.Headers.TryGetValues("X-Amz-Target", out var target) && target.First() == "DynamoDB_20120810.TransactWriteItems"
                    && Interlocked.Increment(ref owner.transactions) <= owner.conflicts)
                {
                    return Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadRequest)
                    {
                        Content = new StringContent(Body, Encoding.UTF8, "application/x-amz-json-1.0"),
                        RequestMessage = request,
                    });
                }

                return base.SendAsync(request, cancellationToken);
            }
        }
    }
}
