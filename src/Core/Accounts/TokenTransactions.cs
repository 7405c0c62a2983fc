using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Enclave.Core.Accounts;

internal static class TokenTransactions
{
    /// <summary>Like <see cref="Storage.Transactions.TryCommitAsync"/>, but any item's failed condition means "refused": a token use depends on several items.</summary>
    public static async Task<bool> TryCommitAllAsync(IAmazonDynamoDB dynamo, List<TransactWriteItem> items, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items }, cancellationToken);
            return true;
        }
        catch (TransactionCanceledException ex) when (ex.CancellationReasons?.Any(r => r.Code == "ConditionalCheckFailed") == true)
        {
            return false;
        }
    }
}
