using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Uploads;
using Enclave.Functions.Auth;
using Enclave.Functions.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Enclave.Functions.Uploads;

internal sealed record CreateUploadRequest(string? FileName, string? ContentType, long? Size, bool? Multipart);

internal sealed record PartsRequest(IReadOnlyList<int>? PartNumbers);

/// <summary>
/// Uploads of one session of the signed-in user. File bytes never pass through the API: the browser
/// posts them straight to storage with a presigned form and downloads them with a presigned link.
/// </summary>
internal static class UploadsApi
{
    public static IEndpointRouteBuilder MapUploads(this IEndpointRouteBuilder routes)
    {
        var uploads = routes.MapGroup("/api/sessions/{sessionId}/uploads").RequireAuthorization().WithTags("Uploads");
        uploads.MapPost("", CreateAsync);
        uploads.MapGet("", ListAsync);
        uploads.MapGet("/{uploadId}", GetAsync);
        uploads.MapPost("/{uploadId}/parts", SignPartsAsync)
            .WithSummary("Presigned PUT URLs for parts of a pending multipart upload")
            .WithDescription("At most 100 part numbers per call, each from 1 to partCount; every URL is an S3 UploadPart of this " +
                             "upload's key and storage upload id only, with the part's size signed in, valid for at most 15 minutes. " +
                             "409 unless the upload is a pending multipart upload whose window is open.");
        uploads.MapGet("/{uploadId}/parts", ListPartsAsync)
            .WithSummary("The parts storage already holds, for resuming")
            .WithDescription("Lists the parts of a pending multipart upload (ListParts), so a client sends only the missing ones.");
        uploads.MapPost("/{uploadId}/complete", CompleteAsync)
            .WithDescription("Checks the file in storage and starts processing. For a multipart upload the server lists the parts " +
                             "itself and completes only when parts 1..partCount are all there with their planned sizes; otherwise 409 " +
                             "naming the missing or wrongly sized parts. What is accepted is pinned and never changes.");
        uploads.MapGet("/{uploadId}/profile", ProfileAsync);
        uploads.MapGet("/{uploadId}/download", DownloadAsync);
        uploads.MapDelete("/{uploadId}", DeleteAsync);
        return routes;
    }

    private static async Task<Results<Created<CreatedUpload>, NotFound, ProblemResult>> CreateAsync(
        string sessionId, CreateUploadRequest? body, UploadService service, CurrentUser user, IAccessLog accessLog, CancellationToken cancellationToken)
    {
        if (!EntityId.TryParse(sessionId, out var session))
        {
            return TypedResults.NotFound();
        }

        return await service.CreateAsync(user.Id, session.Value, body?.FileName, body?.ContentType, body?.Size, body?.Multipart, cancellationToken) switch
        {
            CreateUploadOutcome.Created created => TypedResults.Created($"/api/sessions/{session.Value}/uploads/{created.Upload.UploadId}", created.Upload),
            CreateUploadOutcome.Invalid invalid => await accessLog.RefusedAsync(
                new AccessEvent("upload.create", AccessOutcome.Denied, RecordedRefusal.InvalidInput, session.Value),
                ProblemResult.Validation(invalid.Errors), cancellationToken),
            CreateUploadOutcome.LimitReached => new ProblemResult(StatusCodes.Status409Conflict, title: "This session holds the most uploads allowed."),
            _ => TypedResults.NotFound(),
        };
    }

    private static async Task<Results<Ok<UploadPage>, NotFound, ProblemResult>> ListAsync(
        string sessionId, string? cursor, int? limit, UploadService service, CurrentUser user, IOptions<LimitsOptions> limits,
        IAccessLog accessLog, CancellationToken cancellationToken)
    {
        if (!EntityId.TryParse(sessionId, out var session))
        {
            return TypedResults.NotFound();
        }

        var refusal = new AccessEvent("upload.list", AccessOutcome.Denied, RecordedRefusal.InvalidInput, session.Value);
        if (limit is < 1 or > 100)
        {
            return await accessLog.RefusedAsync(refusal, ProblemResult.Field("limit", "Use a limit from 1 to 100."), cancellationToken);
        }

        string? after = null;
        if (cursor is not null && (after = Cursors.Decode(cursor)) is null)
        {
            return await accessLog.RefusedAsync(refusal, ProblemResult.Field("cursor", "The cursor is not valid."), cancellationToken);
        }

        var page = await service.ListAsync(user.Id, session.Value, after, limit ?? limits.Value.PageSizeDefault, cancellationToken);
        return page is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(page with { NextCursor = page.NextCursor is null ? null : Cursors.Encode(page.NextCursor) });
    }

    private static async Task<Results<Ok<Upload>, NotFound>> GetAsync(
        string sessionId, string uploadId, UploadService service, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!TryIds(sessionId, uploadId, out var session, out var upload))
        {
            return TypedResults.NotFound();
        }

        return await service.GetAsync(user.Id, session, upload, cancellationToken) is UploadAccess<Upload>.Found found
            ? TypedResults.Ok(found.Value)
            : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<Upload>, NotFound, ProblemResult>> CompleteAsync(
        string sessionId, string uploadId, UploadService service, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!TryIds(sessionId, uploadId, out var session, out var upload))
        {
            return TypedResults.NotFound();
        }

        return await service.CompleteAsync(user.Id, session, upload, cancellationToken) switch
        {
            UploadAccess<Upload>.Found found => TypedResults.Ok(found.Value),
            UploadAccess<Upload>.Conflict conflict => new ProblemResult(StatusCodes.Status409Conflict, title: conflict.Message),
            _ => TypedResults.NotFound(),
        };
    }

    private static async Task<Results<Ok<PartUrls>, NotFound, ProblemResult>> SignPartsAsync(
        string sessionId, string uploadId, PartsRequest? body, UploadService service, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!TryIds(sessionId, uploadId, out var session, out var upload))
        {
            return TypedResults.NotFound();
        }

        return await service.SignPartsAsync(user.Id, session, upload, body?.PartNumbers, cancellationToken) switch
        {
            UploadAccess<PartUrls>.Found found => TypedResults.Ok(found.Value),
            UploadAccess<PartUrls>.Conflict conflict => new ProblemResult(StatusCodes.Status409Conflict, title: conflict.Message),
            UploadAccess<PartUrls>.Invalid invalid => ProblemResult.Field(invalid.Field, invalid.Message),
            _ => TypedResults.NotFound(),
        };
    }

    private static async Task<Results<Ok<StoredParts>, NotFound, ProblemResult>> ListPartsAsync(
        string sessionId, string uploadId, UploadService service, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!TryIds(sessionId, uploadId, out var session, out var upload))
        {
            return TypedResults.NotFound();
        }

        return await service.ListPartsAsync(user.Id, session, upload, cancellationToken) switch
        {
            UploadAccess<StoredParts>.Found found => TypedResults.Ok(found.Value),
            UploadAccess<StoredParts>.Conflict conflict => new ProblemResult(StatusCodes.Status409Conflict, title: conflict.Message),
            _ => TypedResults.NotFound(),
        };
    }

    private static async Task<Results<FileContentHttpResult, NotFound, ProblemResult>> ProfileAsync(
        string sessionId, string uploadId, UploadService service, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!TryIds(sessionId, uploadId, out var session, out var upload))
        {
            return TypedResults.NotFound();
        }

        return await service.ProfileAsync(user.Id, session, upload, cancellationToken) switch
        {
            UploadAccess<byte[]>.Found found => TypedResults.File(found.Value, "application/json"),
            UploadAccess<byte[]>.Conflict conflict => new ProblemResult(StatusCodes.Status409Conflict, title: conflict.Message),
            _ => TypedResults.NotFound(),
        };
    }

    private static async Task<Results<Ok<DownloadLink>, NotFound, ProblemResult>> DownloadAsync(
        string sessionId, string uploadId, UploadService service, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!TryIds(sessionId, uploadId, out var session, out var upload))
        {
            return TypedResults.NotFound();
        }

        return await service.DownloadAsync(user.Id, session, upload, cancellationToken) switch
        {
            UploadAccess<DownloadLink>.Found found => TypedResults.Ok(found.Value),
            UploadAccess<DownloadLink>.Conflict conflict => new ProblemResult(StatusCodes.Status409Conflict, title: conflict.Message),
            _ => TypedResults.NotFound(),
        };
    }

    private static async Task<Results<NoContent, NotFound>> DeleteAsync(
        string sessionId, string uploadId, UploadService service, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!TryIds(sessionId, uploadId, out var session, out var upload))
        {
            return TypedResults.NotFound();
        }

        return await service.DeleteAsync(user.Id, session, upload, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static bool TryIds(string sessionText, string uploadText, out string session, out string upload)
    {
        var ok = EntityId.TryParse(sessionText, out var sessionId) & EntityId.TryParse(uploadText, out var uploadId);
        session = sessionId.Value;
        upload = uploadId.Value;
        return ok;
    }
}
