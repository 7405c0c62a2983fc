using Amazon.DynamoDBv2.Model;

using Enclave.Core.Audit;
using Enclave.Core.Ids;
using Enclave.Core.Storage;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Audit;

/// <summary>
/// Issue 16.1: the byDay index and the anonymous actor are write-sharded; a page reads every shard once,
/// in parallel, and merges by sort key under one stable cursor. Records of the unsharded layout stay
/// readable while the layout says they exist.
/// </summary>
public sealed class ShardedQueryTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData(7, null)]
    [InlineData(5, AccessOutcome.Denied)]
    public async Task Pages_of_a_sharded_day_return_every_record_once_newest_first_with_one_query_per_shard(int limit, AccessOutcome? outcome)
    {
        var day = new DateOnly(2021, 3, limit);
        var records = await WriteDayAsync(day, 60, ApiProcess.AuditLayout, anonymous: false);
        var expected = records.Where(r => outcome is null || r.Outcome == outcome)
            .OrderByDescending(r => Attr.Iso(r.Time) + "#" + r.RecordId, StringComparer.Ordinal).Select(r => r.RecordId).ToList();
        Assert.True(records.Select(r => ApiProcess.AuditLayout.ShardOf(r.RecordId)).Distinct().Count() == ApiProcess.AuditLayout.Shards, "every shard used");

        var counter = new CountingHttpClientFactory();
        using var dynamo = fixture.Stack.CreateDynamo(counter);
        var queries = fixture.Records(dynamo);
        var seen = new List<string>();
        Dictionary<string, AttributeValue>? cursor = null;
        var pages = 0;
        do
        {
            counter.Reset();
            var page = await queries.QueryAsync(new AccessRecordFilter(Day: day, Outcome: outcome), limit, cursor, CancellationToken.None);
            Assert.Equal(ApiProcess.AuditLayout.Shards, counter.Calls.Count);
            Assert.True(page.Items.Count <= limit);
            seen.AddRange(page.Items.Select(r => r.Record.RecordId));
            cursor = page.NextKey;
            pages++;
        }
        while (cursor is not null && pages < 100);

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Records_of_the_unsharded_layout_are_read_with_the_shards_while_the_layout_names_their_last_day()
    {
        var day = new DateOnly(2021, 4, 1);
        var legacy = new AccessRecordLayout(1);
        var old = await WriteDayAsync(day, 3, legacy, anonymous: true);

        // A one-shard layout wrote keys with a shard suffix; the unsharded layout had none. Rewrite them as it did.
        var key = await fixture.AuditKeyAsync();
        foreach (var record in old)
        {
            var item = AccessRecordItem.ToItem(record, key, legacy);
            await fixture.Dynamo.DeleteItemAsync(fixture.Storage.AuditTable, new() { [Attr.Pk] = item[Attr.Pk], [Attr.Sk] = item[Attr.Sk] });
            item[Attr.Pk] = Attr.S(AccessRecordLayout.ActorPrefix + AccessRecord.Anonymous);
            item[TableSchemas.ByDayPk] = Attr.S(AccessRecordLayout.DayPrefix + AccessRecordLayout.DayText(day));
            item.Remove(AccessRecordItem.MacVersionAttribute);
            item["mac"] = Attr.S(key.SignToHex(record.LegacyCanonical()));
            await fixture.Dynamo.PutItemAsync(fixture.Storage.AuditTable, item);
        }

        var current = await WriteDayAsync(day, 5, ApiProcess.AuditLayout, anonymous: true);
        var withLegacy = new AccessRecordQueries(fixture.Dynamo, fixture.Storage.AuditTable, ApiProcess.AuditLayout with { UnshardedThrough = day });
        var byDay = await withLegacy.QueryAsync(new AccessRecordFilter(Day: day), 100, null, CancellationToken.None);
        Assert.Equal(old.Concat(current).Select(r => r.RecordId).Order(), byDay.Items.Select(r => r.Record.RecordId).Order());
        Assert.All(byDay.Items, r => Assert.True(r.Verify(key)));
        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var byActor = await withLegacy.QueryAsync(new AccessRecordFilter(Actor: AccessRecord.Anonymous, From: from, To: from.AddDays(1)), 100, null,
            CancellationToken.None);
        Assert.Equal(old.Concat(current).Select(r => r.RecordId).Order(), byActor.Items.Select(r => r.Record.RecordId).Order());

        var shardedOnly = await fixture.Records().QueryAsync(new AccessRecordFilter(Day: day), 100, null, CancellationToken.None);
        Assert.Equal(current.Select(r => r.RecordId).Order(), shardedOnly.Items.Select(r => r.Record.RecordId).Order());
    }

    private async Task<List<AccessRecord>> WriteDayAsync(DateOnly day, int n, AccessRecordLayout layout, bool anonymous)
    {
        var key = await fixture.AuditKeyAsync();
        var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var records = Enumerable.Range(0, n).Select(i => new AccessRecord(
            EntityId.New().Value, start.AddSeconds(i * 1000 % 86000).AddMilliseconds(i), EntityId.New().Value, anonymous ? null : EntityId.New().Value,
            "session.read", i % 3 == 0 ? AccessOutcome.Denied : AccessOutcome.Allowed, null, null, null, null, "127.0.0.1", "test")).ToList();
        foreach (var record in records)
        {
            await fixture.Dynamo.PutItemAsync(fixture.Storage.AuditTable, AccessRecordItem.ToItem(record, key, layout));
        }

        return records;
    }
}
