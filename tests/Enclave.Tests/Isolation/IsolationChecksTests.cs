using Enclave.Core.Audit;
using Enclave.Core.Ids;
using Enclave.Core.Secrets;

namespace Enclave.Tests.Isolation;

/// <summary>The checks of the load test find each kind of leak they exist for, so a passing run means something.</summary>
public sealed class IsolationChecksTests : IDisposable
{
    private const string NotFound = "{\"status\":404,\"requestId\":\"REQ\"}";

    private readonly Traffic traffic = new([new Uri("http://127.0.0.1:9/")], 1, new Infrastructure.Mailbox(Path.GetTempPath()));
    private readonly TokenOwners owners = new();
    private readonly SimulatedUser alice;
    private readonly SimulatedUser bob;
    private readonly string aliceSession = EntityId.New().Value;
    private readonly string bobSession = EntityId.New().Value;

    public IsolationChecksTests()
    {
        var targets = new AttackTargets();
        alice = new SimulatedUser(traffic, owners, targets);
        bob = new SimulatedUser(traffic, owners, targets);
        owners.Add(aliceSession, alice);
        owners.Add(bobSession, bob);
    }

    [Fact]
    public void A_response_holding_another_users_id_or_marker_is_a_violation()
    {
        var bobMarker = owners.NewMarkerOf(bob);
        var checks = Checks(
            Get(alice, $"/api/sessions/{aliceSession}", 200, $"{{\"sessionId\":\"{aliceSession}\"}}"),
            Get(alice, "/api/sessions", 200, $"{{\"name\":\"x {bobMarker}\"}}"),
            Get(alice, "/api/sessions", 200, $"{{\"url\":\"http://s3/users%2F{bobSession}\"}}"));
        checks.CheckResponses();
        Assert.Equal(2, checks.Violations.Count);
    }

    [Fact]
    public void A_cross_access_answer_that_differs_from_the_unused_id_answer_is_a_violation()
    {
        var unused = EntityId.New().Value;
        var checks = Checks(
            Get(alice, $"/api/sessions/{unused}", 404, NotFound),
            Get(alice, $"/api/sessions/{bobSession}", 404, NotFound),
            Get(bob, $"/api/sessions/{aliceSession}", 404, NotFound.Replace("404,", "404, ", StringComparison.Ordinal)));
        Assert.Equal((2, 1), checks.CheckCrossAttempts());
        Assert.Single(checks.Violations);
    }

    [Fact]
    public void A_record_naming_another_users_session_or_a_missing_record_is_a_violation()
    {
        var key = new SigningKey([1, 2, 3]);
        var read = Get(alice, $"/api/sessions/{aliceSession}", 200, "{}");
        var list = Get(alice, "/api/sessions", 200, "{}");
        var checks = Checks(read, list);
        var leaked = new AccessRecord(EntityId.New().Value, DateTimeOffset.UtcNow, read.RequestId!, alice.UserId, "session.read",
            AccessOutcome.Allowed, null, bobSession, null, null, "127.0.0.1", "test");
        checks.CheckRecords([StoredAccessRecord.FromItem(AccessRecordItem.ToItem(leaked, key, Infrastructure.ApiProcess.AuditLayout))], key, []);
        Assert.Equal(2, checks.Violations.Count);
    }

    public void Dispose()
    {
        alice.Dispose();
        bob.Dispose();
        traffic.Dispose();
    }

    private IsolationChecks Checks(params Exchange[] exchanges) => new(owners, exchanges);

    private static Exchange Get(SimulatedUser user, string path, int status, string body)
    {
        var requestId = EntityId.New().Value;
        return new Exchange(user, 0, "GET", path, status, requestId, "application/problem+json", "content-type: application/problem+json",
            body.Replace("REQ", requestId, StringComparison.Ordinal));
    }
}
