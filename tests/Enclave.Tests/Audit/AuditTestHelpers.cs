using Enclave.AuditCli;
using Enclave.Core.Accounts;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Audit;

/// <summary>A clock the test sets, so digest windows can be closed without waiting for them.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

public static class AuditTestHelpers
{
    public static string KeyFile(this ApiFixture fixture) => Path.Combine(fixture.Stack.StateDir, fixture.Storage.Prefix + "-secrets.json");

    /// <summary>Runs the CLI in-process against the fixture's tables, as an auditor would from a shell.</summary>
    public static async Task<(int Exit, string Output)> CliAsync(
        this ApiFixture fixture, TimeProvider? clock, CountingHttpClientFactory? counter, params string[] args)
    {
        using var output = new StringWriter();
        var command = new AuditCommand(clock ?? TimeProvider.System, _ => fixture.Stack.CreateDynamo(counter));
        string[] common = ["--table", fixture.Storage.AuditTable, "--key-file", fixture.KeyFile(), "--endpoint-url", fixture.Stack.DynamoDbUrl,
            "--shards", ApiProcess.AuditLayout.Shards.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var exit = await command.RunAsync([.. args, .. common], output);
        return (exit, output.ToString());
    }

    public static async Task GrantAsync(this ApiFixture fixture, string userId, string role) =>
        Assert.IsType<RoleChangeResult.Done>(
            await new RoleGrants(fixture.Dynamo, fixture.Storage.IdentityTable, fixture.Storage.AuditTable, await fixture.AuditKeyAsync(), TimeProvider.System,
                    ApiProcess.AuditLayout)
                .ChangeAsync(RoleChange.Grant, userId, role, "test-operator", CancellationToken.None));
}
