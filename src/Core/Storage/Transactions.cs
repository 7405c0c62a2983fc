using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Enclave.Core.Storage;

public static class Transactions
{
    /// <summary>
    /// Commits a mutation with its access record. False when the first item's condition failed (the thing to
    /// change is missing or in another state); nothing was written then. Other failures throw.
    /// </summary>
    public static async Task<bool> TryCommitAsync(this IAmazonDynamoDB dynamo, List<TransactWriteItem> items, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items }, cancellationToken);
            return true;
        }
        catch (TransactionCanceledException ex) when (ex.CancellationReasons?.FirstOrDefault()?.Code == "ConditionalCheckFailed")
        {
            return false;
        }
    }
}
