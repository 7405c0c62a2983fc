using Enclave.Core.Audit;

namespace Enclave.Tests.Unit;

public sealed class AccessRecordSigningTests
{
    private static readonly AccessRecordLayout Layout = new(16);

    private static AccessRecord Sample() => new(
        "01a209ec-fc1b-72c7-a707-98127db8f8e9", DateTimeOffset.Parse("2026-11-23T10:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture),
        "01a209ec-fc1b-72c7-a707-98127db8f8ea", "01a209ec-fc1b-72c7-a707-98127db8f8eb", "session.read", AccessOutcome.Allowed, null,
        "01a209ec-fc1b-72c7-a707-98127db8f8ec", null, null, "127.0.0.1", "host-1");

    [Fact]
    public void Canonical_form_separates_every_field_unambiguously()
    {
        var a = Sample();
        var keys = Layout.KeysFor(a);
        Assert.NotEqual(a.Canonical(keys), (a with { Reason = "", SessionId = null }).Canonical(keys));
        Assert.NotEqual((a with { Reason = "x|1:y" }).Canonical(keys), (a with { Reason = "x", UploadId = "y" }).Canonical(keys));
        Assert.NotEqual(a.Canonical(keys), (a with { ActorUserId = null }).Canonical(keys));
        Assert.NotEqual(a.Canonical(keys), a.Canonical(keys with { Session = null }));
        Assert.NotEqual(a.Canonical(keys), a.Canonical(keys with { Day = "DAY#2026-11-24" + keys.Day[14..] }));
        Assert.Equal(a.Canonical(keys), Sample().Canonical(Layout.KeysFor(Sample())));
    }

    [Fact]
    public void Stored_item_round_trips_and_verifies_only_with_the_signing_key()
    {
        var key = new Core.Secrets.SigningKey("0123456789abcdef0123456789abcdef"u8.ToArray());
        var item = AccessRecordItem.ToItem(Sample(), key, Layout);
        var stored = StoredAccessRecord.FromItem(item);
        Assert.Equal(Sample(), stored.Record);
        Assert.True(stored.Verify(key));
        Assert.False(stored.Verify(new Core.Secrets.SigningKey("fedcba9876543210fedcba9876543210"u8.ToArray())));
        Assert.Equal("ACTOR#01a209ec-fc1b-72c7-a707-98127db8f8eb", item["pk"].S);
        Assert.Equal("SESSION#01a209ec-fc1b-72c7-a707-98127db8f8ec", item["gsi1pk"].S);
        Assert.Equal($"DAY#2026-11-23#{Layout.ShardOf(Sample().RecordId):D3}", item["gsi2pk"].S);
    }
}
