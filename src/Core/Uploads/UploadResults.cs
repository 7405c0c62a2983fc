namespace Enclave.Core.Uploads;

public abstract record CreateUploadOutcome
{
    public sealed record Created(CreatedUpload Upload) : CreateUploadOutcome;

    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : CreateUploadOutcome;

    public sealed record SessionNotFound : CreateUploadOutcome;

    public sealed record LimitReached : CreateUploadOutcome;
}

public abstract record UploadAccess<T>
{
    public sealed record Found(T Value) : UploadAccess<T>;

    public sealed record NotFound : UploadAccess<T>;

    /// <summary>The upload exists but is not in a state that allows this (e.g. not ready yet).</summary>
    public sealed record Conflict(string Message) : UploadAccess<T>;

    /// <summary>The request itself is wrong (e.g. a part number outside the plan); nothing was changed.</summary>
    public sealed record Invalid(string Field, string Message) : UploadAccess<T>;
}
