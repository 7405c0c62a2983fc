using System.Net;
using Enclave.Core.Accounts;
using Enclave.Functions.Hosting;
using Enclave.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;

namespace Enclave.Tests.Api;

public sealed class MatrixFixture : ApiFixture
{
    protected override void Configure(Dictionary<string, string> settings) => settings["Enclave__Limits__LoginFailuresPerAccount"] = "1000";
}

/// <summary>
/// SPEC §5.2: every route of the app's own route table × anonymous, owner, another user, an auditor and
/// the owner without the CSRF header → the expected status. A route without an expectation here fails.
/// </summary>
public sealed class AuthorizationMatrixTests(MatrixFixture fixture) : IClassFixture<MatrixFixture>
{
    private enum Caller
    {
        Anonymous,
        Other,
        Auditor,
        OwnerWithoutCsrf,
        Owner,
    }

    // Statuses in Caller order: anonymous, other user, auditor, owner without CSRF, owner.
    private static readonly Dictionary<string, int[]> Expected = new(StringComparer.Ordinal)
    {
        ["GET /api/health"] = [200, 200, 200, 200, 200],
        ["GET /api/health/ready"] = [200, 200, 200, 200, 200],
        ["GET /api/openapi.json"] = [200, 200, 200, 200, 200],
        ["POST /api/auth/register"] = [202, 202, 202, 202, 202],
        ["POST /api/auth/verify-email"] = [400, 400, 400, 400, 400],
        ["POST /api/auth/password-reset/request"] = [202, 202, 202, 202, 202],
        ["POST /api/auth/password-reset"] = [400, 400, 400, 400, 400],
        ["POST /api/auth/password"] = [401, 204, 204, 403, 204],
        ["DELETE /api/me"] = [401, 204, 204, 403, 204],
        ["POST /api/auth/login"] = [401, 401, 401, 401, 401],
        ["POST /api/auth/logout"] = [401, 204, 204, 403, 204],
        ["POST /api/auth/logout-all"] = [401, 204, 204, 403, 204],
        ["GET /api/me"] = [401, 200, 200, 200, 200],
        ["POST /api/sessions"] = [401, 201, 201, 403, 201],
        ["GET /api/sessions"] = [401, 200, 200, 200, 200],
        ["GET /api/sessions/{sessionId}"] = [401, 404, 404, 200, 200],
        ["PATCH /api/sessions/{sessionId}"] = [401, 404, 404, 403, 200],
        ["DELETE /api/sessions/{sessionId}"] = [401, 404, 404, 403, 204],
        ["POST /api/sessions/{sessionId}/uploads"] = [401, 404, 404, 403, 201],
        ["GET /api/sessions/{sessionId}/uploads"] = [401, 404, 404, 200, 200],
        ["GET /api/sessions/{sessionId}/uploads/{uploadId}"] = [401, 404, 404, 200, 200],
        ["POST /api/sessions/{sessionId}/uploads/{uploadId}/parts"] = [401, 404, 404, 403, 409],
        ["GET /api/sessions/{sessionId}/uploads/{uploadId}/parts"] = [401, 404, 404, 409, 409],
        ["POST /api/sessions/{sessionId}/uploads/{uploadId}/complete"] = [401, 404, 404, 403, 409],
        ["GET /api/sessions/{sessionId}/uploads/{uploadId}/profile"] = [401, 404, 404, 409, 409],
        ["GET /api/sessions/{sessionId}/uploads/{uploadId}/download"] = [401, 404, 404, 409, 409],
        ["DELETE /api/sessions/{sessionId}/uploads/{uploadId}"] = [401, 404, 404, 403, 204],
        ["GET /api/audit"] = [401, 404, 200, 404, 404],
    };

    public static IReadOnlyList<string> RouteTable()
    {
        using var app = EnclaveApp.Build(["--Enclave:Mode=Local", "--Enclave:Secrets:LocalFile=/dev/null"]);
        return [.. ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}"))
            .Distinct()
            .Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void Every_route_in_the_route_table_has_an_expectation_and_every_expectation_a_route()
    {
        var routes = RouteTable();
        Assert.Empty(routes.Except(Expected.Keys));
        Assert.Empty(Expected.Keys.Except(routes));
    }

    [Fact]
    public async Task Every_route_answers_every_kind_of_caller_as_expected()
    {
        var failures = new List<string>();
        var calls = 0;
        foreach (var route in RouteTable())
        {
            Assert.True(Expected.TryGetValue(route, out var statuses), $"No authorization expectation for {route}");
            var (owner, other, auditor) = (fixture.Client(), fixture.Client(), fixture.Client());
            using (owner)
            using (other)
            using (auditor)
            {
                await owner.RegisterAndSignInAsync();
                await other.RegisterAndSignInAsync();
                await auditor.RegisterAndSignInAsync();
                await GrantAsync(auditor.UserId!, "auditor");
                var session = await owner.CreateSessionAsync("matrix");
                var upload = (await owner.CreateUploadAsync(session, "m.csv", "text/csv", 10)).GetProperty("uploadId").GetString()!;
                var method = new HttpMethod(route.Split(' ')[0]);
                var path = route.Split(' ')[1].Replace("{sessionId}", session, StringComparison.Ordinal).Replace("{uploadId}", upload, StringComparison.Ordinal);
                if (route == "GET /api/audit")
                {
                    path += "?actor=" + owner.UserId; // a valid query, so only the role decides
                }

                using var anonymous = fixture.Client();
                foreach (var caller in Enum.GetValues<Caller>())
                {
                    var client = caller switch
                    {
                        Caller.Anonymous => anonymous,
                        Caller.Other => other,
                        Caller.Auditor => auditor,
                        _ => owner,
                    };
                    var response = await client.SendAsync(method, path, Body(route), sendCsrf: caller != Caller.OwnerWithoutCsrf);
                    calls++;
                    var expected = statuses![(int)caller];
                    if ((int)response.StatusCode != expected)
                    {
                        failures.Add($"{route} as {caller}: {(int)response.StatusCode}, expected {expected}");
                    }
                    else if (expected >= 400)
                    {
                        await Problem.AssertAsync(response, response.StatusCode);
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(calls >= Expected.Count * 5);
    }

    private static object? Body(string route) => route switch
    {
        "POST /api/auth/register" => new { email = ApiClient.NewEmail(), password = ApiClient.Password },
        "POST /api/auth/login" => new { email = ApiClient.NewEmail(), password = "not anyone's passphrase" },
        "POST /api/auth/verify-email" => new { token = Core.Accounts.OneTimeToken.Create() },
        "POST /api/auth/password-reset/request" => new { email = ApiClient.NewEmail() },
        "POST /api/auth/password-reset" => new { token = Core.Accounts.OneTimeToken.Create(), password = "matrix new passphrase 1" },

        // Each caller acts on its own account (every test user has the same password); the owner goes last.
        "POST /api/auth/password" => new { currentPassword = ApiClient.Password, newPassword = "matrix new passphrase 1" },
        "DELETE /api/me" => new { password = ApiClient.Password },
        "POST /api/sessions" or "PATCH /api/sessions/{sessionId}" => new { name = "matrix" },
        "POST /api/sessions/{sessionId}/uploads" => new { fileName = "n.csv", contentType = "text/csv", size = 5 },
        _ => null,
    };

    // Roles come only from the operator command's code path, never from an HTTP route.
    private async Task GrantAsync(string userId, string role)
    {
        var grants = new RoleGrants(fixture.Dynamo, fixture.Storage.IdentityTable, fixture.Storage.AuditTable, await fixture.AuditKeyAsync(), TimeProvider.System, ApiProcess.AuditLayout);
        Assert.IsType<RoleChangeResult.Done>(await grants.ChangeAsync(RoleChange.Grant, userId, role, "matrix-test", CancellationToken.None));
    }
}
