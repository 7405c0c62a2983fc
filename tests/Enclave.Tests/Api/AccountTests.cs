using System.Net;
using System.Text;

using Amazon.DynamoDBv2.Model;
using Amazon.S3.Model;

using Enclave.Core.Accounts;
using Enclave.Core.Audit;
using Enclave.Core.Storage;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

/// <summary>Verification, reset, change, re-hashing and erasure against the real API, stack and mail sink.</summary>
public sealed class AccountTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const string NewPassword = "a brand new passphrase 77";

    private Mailbox Mailbox => fixture.Api.Mailbox;

    [Fact]
    public async Task An_unverified_account_gets_the_generic_401_and_a_verification_token_works_once()
    {
        using var client = fixture.Client();
        var email = ApiClient.NewEmail();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/auth/register", new { email, password = ApiClient.Password })).StatusCode);
        var message = await Mailbox.WaitForAsync(email);
        Assert.StartsWith(ApiProcess.MailSiteOrigin + "/#/verify-email?token=", message.TextBody!.Split('\n').Single(l => l.Contains("token=", StringComparison.Ordinal)).Split(": ")[1], StringComparison.Ordinal);
        Assert.Contains(ApiProcess.MailSiteOrigin + "/#/verify-email?token=", message.HtmlBody, StringComparison.Ordinal);
        var token = Mailbox.TokenIn(message)!;

        var unverified = await client.PostAsync("/api/auth/login", new { email, password = ApiClient.Password });
        var wrong = await client.PostAsync("/api/auth/login", new { email, password = "not the right passphrase" });
        await Problem.AssertAsync(unverified, HttpStatusCode.Unauthorized);
        Assert.Equal(await Problem.BodyWithoutRequestIdAsync(wrong), await Problem.BodyWithoutRequestIdAsync(unverified));

        var tampered = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');
        await Problem.AssertAsync(await client.PostAsync("/api/auth/verify-email", new { token = tampered }), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/auth/verify-email", new { token })).StatusCode);
        await Problem.AssertAsync(await client.PostAsync("/api/auth/verify-email", new { token }), HttpStatusCode.BadRequest);
        await client.SignInAsync(email);

        var records = (await fixture.Records().ByActorAsync(AccessRecord.Anonymous, null, null, 1000, null, CancellationToken.None)).Items.Select(r => r.Record).ToList();
        Assert.Contains(records, r => r is { Action: "auth.verify-email", Outcome: AccessOutcome.Allowed } && r.SubjectUserId == client.UserId);
        Assert.Contains(records, r => r is { Action: "auth.login", Outcome: AccessOutcome.Denied, Reason: "unverified" } && r.SubjectUserId == client.UserId);

        // The token is stored only as its hash.
        var identity = await ScanAsync(fixture.Storage.IdentityTable);
        Assert.DoesNotContain(identity, item => item.Values.Any(v => v.S?.Contains(token, StringComparison.Ordinal) == true));
    }

    [Fact]
    public async Task Registering_an_unverified_address_again_replaces_its_password_and_voids_the_first_link()
    {
        using var client = fixture.Client();
        var email = ApiClient.NewEmail();
        await client.PostAsync("/api/auth/register", new { email, password = "first registrant passphrase" });
        var first = await Mailbox.WaitForTokenAsync(email);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/auth/register", new { email, password = ApiClient.Password })).StatusCode);
        var second = await Mailbox.WaitForTokenAsync(email, alreadySeen: 1);

        await Problem.AssertAsync(await client.PostAsync("/api/auth/verify-email", new { token = first }), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/auth/verify-email", new { token = second })).StatusCode);
        await Problem.AssertAsync(await client.PostAsync("/api/auth/login", new { email, password = "first registrant passphrase" }), HttpStatusCode.Unauthorized);
        await client.SignInAsync(email);
    }

    [Fact]
    public async Task A_reset_link_sets_the_password_once_and_signs_out_everywhere()
    {
        using var laptop = fixture.Client();
        await laptop.RegisterAndSignInAsync();
        var email = laptop.Email!;
        using var phone = fixture.Client();
        await phone.SignInAsync(email);
        using var anonymous = fixture.Client();

        var seen = Mailbox.MessagesTo(email).Count;
        Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsync("/api/auth/password-reset/request", new { email })).StatusCode);
        var token = await Mailbox.WaitForTokenAsync(email, seen);
        Assert.Contains("/#/reset-password?token=", (await Mailbox.WaitForAsync(email, seen)).TextBody, StringComparison.Ordinal);

        await Problem.AssertAsync(await anonymous.PostAsync("/api/auth/password-reset", new { token, password = "short" }), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NoContent, (await anonymous.PostAsync("/api/auth/password-reset", new { token, password = NewPassword })).StatusCode);
        await Problem.AssertAsync(await anonymous.PostAsync("/api/auth/password-reset", new { token, password = "yet another passphrase" }), HttpStatusCode.BadRequest);

        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/api/me")).StatusCode);
        await Problem.AssertAsync(await anonymous.PostAsync("/api/auth/login", new { email, password = ApiClient.Password }), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsync("/api/auth/login", new { email, password = NewPassword })).StatusCode);
    }

    [Fact]
    public async Task Expired_verification_and_reset_links_are_refused_and_change_nothing()
    {
        using var client = fixture.Client();
        var email = ApiClient.NewEmail();
        var seen = Mailbox.MessagesTo(email).Count;
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/auth/register", new { email, password = ApiClient.Password })).StatusCode);
        var verify = await Mailbox.WaitForTokenAsync(email, seen);
        await ExpireAsync(OneTimeToken.Purpose.Verify, verify);
        await Problem.AssertAsync(await client.PostAsync("/api/auth/verify-email", new { token = verify }), HttpStatusCode.BadRequest);
        await Problem.AssertAsync(await client.PostAsync("/api/auth/login", new { email, password = ApiClient.Password }), HttpStatusCode.Unauthorized);

        using var verified = fixture.Client();
        await verified.RegisterAndSignInAsync();
        seen = Mailbox.MessagesTo(verified.Email!).Count;
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/auth/password-reset/request", new { email = verified.Email })).StatusCode);
        var reset = await Mailbox.WaitForTokenAsync(verified.Email!, seen);
        await ExpireAsync(OneTimeToken.Purpose.Reset, reset);
        await Problem.AssertAsync(await client.PostAsync("/api/auth/password-reset", new { token = reset, password = NewPassword }), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.OK, (await verified.GetAsync("/api/me")).StatusCode);
        await Problem.AssertAsync(await client.PostAsync("/api/auth/login", new { email = verified.Email, password = NewPassword }), HttpStatusCode.Unauthorized);

        var records = (await fixture.Records().ByActorAsync(AccessRecord.Anonymous, null, null, 1000, null, CancellationToken.None)).Items.Select(r => r.Record).ToList();
        Assert.Contains(records, r => r is { Action: "auth.verify-email", Outcome: AccessOutcome.Denied, Reason: "unknown-or-expired-token" });
    }

    /// <summary>Past its expiry but not yet removed by TTL (DynamoDB deletes expired items up to days late).</summary>
    private async Task ExpireAsync(OneTimeToken.Purpose purpose, string token) =>
        await fixture.Dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = fixture.Storage.IdentityTable,
            Key = Attr.Key(IdentityKeys.TokenPk(purpose, OneTimeToken.Hash(token)), IdentityKeys.TokenSort),
            UpdateExpression = "SET #ttl = :past",
            ConditionExpression = "attribute_exists(pk)",
            ExpressionAttributeNames = new() { ["#ttl"] = Attr.Ttl },
            ExpressionAttributeValues = new() { [":past"] = Attr.N(DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds()) },
        });

    [Fact]
    public async Task A_reset_request_answers_202_for_any_address_and_sends_a_link_only_to_a_verified_account()
    {
        using var client = fixture.Client();
        var unknown = ApiClient.NewEmail();
        var unverified = ApiClient.NewEmail();
        await client.PostAsync("/api/auth/register", new { email = unverified, password = ApiClient.Password });
        await Mailbox.WaitForAsync(unverified);

        var a = await client.PostAsync("/api/auth/password-reset/request", new { email = unknown });
        var b = await client.PostAsync("/api/auth/password-reset/request", new { email = unverified });
        Assert.Equal(HttpStatusCode.Accepted, a.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, b.StatusCode);
        Assert.Equal(await a.Content.ReadAsStringAsync(), await b.Content.ReadAsStringAsync());
        Assert.Null(Mailbox.TokenIn(await Mailbox.WaitForAsync(unknown)));
        Assert.Null(Mailbox.TokenIn(await Mailbox.WaitForAsync(unverified, alreadySeen: 1)));
    }

    [Fact]
    public async Task Reset_mails_to_one_address_are_capped_while_the_answer_stays_202()
    {
        using var owner = fixture.Client();
        await owner.RegisterAndSignInAsync();
        var email = owner.Email!;
        var seen = Mailbox.MessagesTo(email).Count;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await owner.PostAsync("/api/auth/password-reset/request", new { email })).StatusCode);
        }

        // The default cap is three per window; the API hands each mail to the sink before it answers.
        Assert.Equal(seen + 3, Mailbox.MessagesTo(email).Count);
    }

    [Fact]
    public async Task Changing_the_password_needs_the_current_one_and_signs_out_only_the_other_sign_ins()
    {
        using var laptop = fixture.Client();
        await laptop.RegisterAndSignInAsync();
        using var phone = fixture.Client();
        await phone.SignInAsync(laptop.Email);

        var wrong = await laptop.PostAsync("/api/auth/password", new { currentPassword = "not the right passphrase", newPassword = NewPassword });
        var problem = await Problem.AssertAsync(wrong, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("currentPassword", out _));
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("/api/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await laptop.PostAsync("/api/auth/password", new { currentPassword = ApiClient.Password, newPassword = NewPassword })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await laptop.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/api/me")).StatusCode);
        using var again = fixture.Client();
        Assert.Equal(HttpStatusCode.OK, (await again.PostAsync("/api/auth/login", new { email = laptop.Email, password = NewPassword })).StatusCode);
        var records = (await fixture.Records().ByActorAsync(laptop.UserId!, null, null, 100, null, CancellationToken.None)).Items.Select(r => r.Record).ToList();
        Assert.Contains(records, r => r is { Action: "auth.password.change", Outcome: AccessOutcome.Allowed });
        Assert.Contains(records, r => r is { Action: "auth.password.change", Outcome: AccessOutcome.Denied });
    }

    [Fact]
    public async Task A_hash_made_with_weaker_parameters_is_replaced_at_the_next_sign_in()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var key = Attr.Key("EMAIL#" + client.Email, "EMAIL");
        var weak = new Microsoft.AspNetCore.Identity.PasswordHasher<object>(Microsoft.Extensions.Options.Options.Create(
            new Microsoft.AspNetCore.Identity.PasswordHasherOptions { IterationCount = 1000 })).HashPassword(new object(), ApiClient.Password);
        await fixture.Dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = fixture.Storage.IdentityTable,
            Key = key,
            UpdateExpression = "SET passwordHash = :weak",
            ExpressionAttributeValues = new() { [":weak"] = Attr.S(weak) },
        });

        await client.SignInAsync();
        var stored = (await fixture.Dynamo.GetItemAsync(fixture.Storage.IdentityTable, key)).Item.GetS("passwordHash")!;
        Assert.NotEqual(weak, stored);
        var header = Convert.FromBase64String(stored);
        Assert.Equal(Core.Accounts.PasswordHashing.Iterations, (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)));
        await client.SignInAsync();
    }

    [Fact]
    public async Task Deleting_the_account_erases_its_data_and_sign_ins_and_keeps_the_access_records()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        using var other = fixture.Client();
        await other.SignInAsync(client.Email);
        var userId = client.UserId!;
        var sessionId = await client.CreateSessionAsync();
        var content = Encoding.UTF8.GetBytes("a,b\n1,2\n");
        var upload = await client.CreateUploadAsync(sessionId, "data.csv", "text/csv", content.Length);
        Assert.True((await UploadHelpers.PostFormAsync(upload, content, "text/csv")).IsSuccessStatusCode);
        await client.CreateSessionAsync("second");
        // What the processor keeps for an owner whose upload it handled (this fixture runs no processor).
        await fixture.Dynamo.PutItemAsync(fixture.Storage.IdentityTable, new Dictionary<string, AttributeValue>(
            Attr.Key(IdentityKeys.ProcessorPk(userId), IdentityKeys.CredentialsSort))
        { [ProcessorCredentials.Attribute] = new() { B = new MemoryStream([1, 2, 3]) } });

        var wrong = await client.SendAsync(HttpMethod.Delete, "/api/me", new { password = "not the right passphrase" });
        await Problem.AssertAsync(wrong, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, "/api/me", new { password = ApiClient.Password })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/me")).StatusCode);
        using var anonymous = fixture.Client();
        await Problem.AssertAsync(await anonymous.PostAsync("/api/auth/login", new { email = client.Email, password = ApiClient.Password }), HttpStatusCode.Unauthorized);

        await AssertNothingLeftAsync(userId);
        using var s3 = fixture.Stack.CreateAdminS3();
        await StorageInvariants.AssertHoldAsync(fixture.Dynamo, s3, fixture.Storage, await fixture.AuditKeyAsync());
        var records = (await fixture.Records().ByActorAsync(userId, null, null, 1000, null, CancellationToken.None)).Items.Select(r => r.Record).ToList();
        Assert.Contains(records, r => r is { Action: "account.delete", Outcome: AccessOutcome.Allowed });
        Assert.Contains(records, r => r.Action == "session.create");
    }

    /// <summary>No identity item, data item (tombstones aside: the sweeper's own) or object version of the user remains.</summary>
    internal static async Task AssertNothingLeftAsync(ApiFixture fixture, string userId)
    {
        var identity = await ScanAsync(fixture, fixture.Storage.IdentityTable);
        Assert.DoesNotContain(identity, item => item[Attr.Pk].S.EndsWith("#" + userId, StringComparison.Ordinal) || item.GetS("userId") == userId && item[Attr.Sk].S == "EMAIL");
        var data = await ScanAsync(fixture, fixture.Storage.DataTable);
        Assert.DoesNotContain(data, item => item[Attr.Pk].S == "USER#" + userId && !item[Attr.Sk].S.StartsWith("TOMBSTONE#", StringComparison.Ordinal));
        using var s3 = fixture.Stack.CreateAdminS3();
        var versions = await s3.ListVersionsAsync(new ListVersionsRequest { BucketName = fixture.Storage.Bucket, Prefix = $"users/{userId}/" });
        Assert.Empty(versions.Versions ?? []);
    }

    private Task AssertNothingLeftAsync(string userId) => AssertNothingLeftAsync(fixture, userId);

    private Task<List<Dictionary<string, AttributeValue>>> ScanAsync(string table) => ScanAsync(fixture, table);

    private static async Task<List<Dictionary<string, AttributeValue>>> ScanAsync(ApiFixture fixture, string table)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        var request = new ScanRequest { TableName = table, ConsistentRead = true };
        do
        {
            var page = await fixture.Dynamo.ScanAsync(request);
            items.AddRange(page.Items);
            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);

        return items;
    }
}
