using Amazon.DynamoDBv2.Model;

namespace Enclave.Core.Audit;

/// <summary>Writes access records. Mutations add <see cref="PrepareAsync"/>'s item to their own transaction.</summary>
public interface IAccessLog
{
    /// <summary>The record as a transaction item, so a mutation and its record commit together.</summary>
    Task<TransactWriteItem> PrepareAsync(AccessEvent accessEvent, CancellationToken cancellationToken);

    /// <summary>Writes a record on its own; callers return data only after this succeeds.</summary>
    Task WriteAsync(AccessEvent accessEvent, CancellationToken cancellationToken);
}
