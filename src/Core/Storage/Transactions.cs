using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Enclave.Core.Storage;

/// <summary>
/// Every DynamoDB transaction goes through here. DynamoDB cancels a transaction with <c>TransactionConflict</c> when
/// another request holds one of its items at that moment (two uploads of one session both raise the session's
/// counter; the sweeper and a delete meet on one upload). Such a transaction wrote nothing, so it is sent again, a
/// bounded number of times with jittered waits; still conflicting after that, the store is unavailable (503).
/// DynamoDB Local never reports conflicts: it runs transactions one at a time.
/// </summary>
public static class Transactions
{
    public const int Attempts = 4;

    private const string ConditionFailed = "ConditionalCheckFailed";
    private const string Conflict = "TransactionConflict";

    /// <summary>Commits a mutation with its access record; any refusal throws.</summary>
    public static Task CommitAsync(this IAmazonDynamoDB dynamo, List<TransactWriteItem> items, CancellationToken cancellationToken) =>
        SendAsync(dynamo, items, cancellationToken);

    /// <summary>
    /// Commits a mutation with its access record. False when the first item's condition failed (the thing to
    /// change is missing or in another state); nothing was written then. Other failures throw.
    /// </summary>
    public static async Task<bool> TryCommitAsync(this IAmazonDynamoDB dynamo, List<TransactWriteItem> items, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(dynamo, items, cancellationToken);
            return true;
        }
        catch (TransactionCanceledException ex) when (ex.CancellationReasons?.FirstOrDefault()?.Code == ConditionFailed)
        {
            return false;
        }
    }

    /// <summary>Like <see cref="TryCommitAsync"/>, but any item's failed condition means "refused" (a token use depends on several items).</summary>
    public static async Task<bool> TryCommitAllAsync(this IAmazonDynamoDB dynamo, List<TransactWriteItem> items, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(dynamo, items, cancellationToken);
            return true;
        }
        catch (TransactionCanceledException ex) when (ex.CancellationReasons?.Any(r => r.Code == ConditionFailed) == true)
        {
            return false;
        }
    }

    private static async Task SendAsync(IAmazonDynamoDB dynamo, List<TransactWriteItem> items, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // A new request each time: the SDK gives it a fresh idempotency token, as the cancelled one wrote nothing.
                await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items }, cancellationToken);
                return;
            }
            catch (TransactionCanceledException ex) when (IsConflictOnly(ex))
            {
                if (attempt == Attempts)
                {
                    throw new DependencyUnavailableException($"The transaction met a concurrent one {Attempts} times.", ex);
                }

                await Task.Delay(Backoff(attempt), cancellationToken);
            }
        }
    }

    private static bool IsConflictOnly(TransactionCanceledException ex) =>
        ex.CancellationReasons?.Any(r => r.Code == Conflict) == true && ex.CancellationReasons.All(r => r.Code != ConditionFailed);

    /// <summary>Full jitter up to 20, 40, 80 ms: racing writers spread out instead of meeting again.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 << attempt));
}
