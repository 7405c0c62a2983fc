using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Enclave.Core.Storage;

/// <summary>
/// The key schema of each table, used to create the local tables; the CDK data construct declares the
/// same shapes and a test keeps the two in step.
/// </summary>
public static class TableSchemas
{
    public const string AuditBySession = "bySession";
    public const string AuditByDay = "byDay";
    public const string BySessionPk = "gsi1pk";
    public const string BySessionSk = "gsi1sk";
    public const string ByDayPk = "gsi2pk";
    public const string ByDaySk = "gsi2sk";
    public const string AuditBySubject = "bySubject";
    public const string BySubjectPk = "gsi3pk";
    public const string BySubjectSk = "gsi3sk";

    /// <summary>
    /// The sweeper's work list on the data table: items that need a look once their upload window has passed, sharded so
    /// no one partition takes every write. Keys only: whoever reads the index learns ids and times, nothing a user wrote.
    /// </summary>
    public const string SweepDue = "sweepDue";
    public const string SweepShard = "sweepShard";
    public const string SweepAt = "sweepAt";
    public const int SweepShards = 8;

    public static CreateTableRequest Identity(string name) => Simple(name);

    /// <summary>The data table streams new images (an upload turning "uploaded" is the processor's job) and indexes what the sweeper is due to look at.</summary>
    public static CreateTableRequest Data(string name)
    {
        var request = Simple(name);
        request.StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.NEW_IMAGE };
        request.AttributeDefinitions.AddRange(
        [
            new AttributeDefinition(SweepShard, ScalarAttributeType.S),
            new AttributeDefinition(SweepAt, ScalarAttributeType.S),
        ]);
        var sweep = Index(SweepDue, SweepShard, SweepAt);
        sweep.Projection = new Projection { ProjectionType = ProjectionType.KEYS_ONLY };
        request.GlobalSecondaryIndexes = [sweep];
        return request;
    }

    public static CreateTableRequest Audit(string name)
    {
        var request = Simple(name);
        request.AttributeDefinitions.AddRange(
        [
            new AttributeDefinition(BySessionPk, ScalarAttributeType.S),
            new AttributeDefinition(BySessionSk, ScalarAttributeType.S),
            new AttributeDefinition(ByDayPk, ScalarAttributeType.S),
            new AttributeDefinition(ByDaySk, ScalarAttributeType.S),
            new AttributeDefinition(BySubjectPk, ScalarAttributeType.S),
            new AttributeDefinition(BySubjectSk, ScalarAttributeType.S),
        ]);
        request.GlobalSecondaryIndexes =
        [
            Index(AuditBySession, BySessionPk, BySessionSk),
            Index(AuditByDay, ByDayPk, ByDaySk),
            Index(AuditBySubject, BySubjectPk, BySubjectSk),
        ];
        return request;
    }

    private static CreateTableRequest Simple(string name) => new()
    {
        TableName = name,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions =
        [
            new AttributeDefinition(Attr.Pk, ScalarAttributeType.S),
            new AttributeDefinition(Attr.Sk, ScalarAttributeType.S),
        ],
        KeySchema =
        [
            new KeySchemaElement(Attr.Pk, KeyType.HASH),
            new KeySchemaElement(Attr.Sk, KeyType.RANGE),
        ],
    };

    private static GlobalSecondaryIndex Index(string name, string pk, string sk) => new()
    {
        IndexName = name,
        KeySchema = [new KeySchemaElement(pk, KeyType.HASH), new KeySchemaElement(sk, KeyType.RANGE)],
        Projection = new Projection { ProjectionType = ProjectionType.ALL },
    };
}
