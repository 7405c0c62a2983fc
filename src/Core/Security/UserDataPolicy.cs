using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace Enclave.Core.Security;

/// <summary>Names of the bucket and tables that hold user data; the policy is written against them.</summary>
public sealed record UserDataResources(string Bucket, string DataTable, string AuditTable);

/// <summary>What the session policy covers. Only <see cref="Full"/> is allowed against AWS.</summary>
public enum UserDataPolicyScope
{
    Full,

    /// <summary>
    /// For the local RGW, whose STS refuses a policy naming any non-S3 action (MalformedPolicyDocument).
    /// DynamoDB Local checks no credentials, so nothing local could enforce those statements anyway.
    /// </summary>
    S3Only,
}

/// <summary>
/// The inline session policy passed to STS AssumeRole for one user. The role's own policy is the ceiling
/// (any user's prefix and partition); this policy narrows the credentials to the one user, so even a wrong
/// id in app code is refused by AWS. It stays compact: STS caps a session policy at 2,048 characters.
/// </summary>
public static class UserDataPolicy
{
    public const int MaxLength = 2048;

    /// <summary>
    /// The session tag STS puts on every user-data session. The role's own policy is written against it
    /// (<see cref="TaggedUser"/>), a second layer beside the session policy: credentials issued without the tag,
    /// or with another user's, reach nothing of this user.
    /// </summary>
    public const string UserTagKey = "enclave-user";

    /// <summary>The IAM policy variable that stands for the tagged user in the role's own policy.</summary>
    public const string TaggedUser = "${aws:PrincipalTag/" + UserTagKey + "}";

    /// <summary>Actors of services (the processor) whose records user-data sessions also write.</summary>
    public const string ServiceActorPrefix = Audit.AccessRecordLayout.ActorPrefix + Audit.AccessRecordLayout.ServiceActorPrefix;

    /// <summary>
    /// Every S3 object action the app performs on user data (HEAD and ranged GET are s3:GetObject; starting, sending and
    /// completing parts are s3:PutObject). The bucket is versioned: checked bytes are read by their pinned version, and
    /// deletes remove every version.
    /// </summary>
    public static readonly ImmutableArray<string> ObjectActions =
        [
            "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion",
            "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
        ];

    /// <summary>Listing keys and their versions, both narrowed to the user's prefix.</summary>
    public static readonly ImmutableArray<string> ListActions = ["s3:ListBucket", "s3:ListBucketVersions"];

    /// <summary>Every DynamoDB action the app performs on user items (transactions are authorised per item by these).</summary>
    public static readonly ImmutableArray<string> ItemActions =
    [
        "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem", "dynamodb:BatchWriteItem",
    ];

    /// <summary>Access records are append-only: the holder may add records under the listed actors and nothing else.</summary>
    public static readonly ImmutableArray<string> RecordActions = ["dynamodb:PutItem"];

    /// <summary>The policy for one user. <paramref name="recordActors"/> are the actors whose records these credentials may write.</summary>
    public static string For(string userId, UserDataResources resources, IReadOnlyList<string> recordActors, UserDataPolicyScope scope = UserDataPolicyScope.Full)
    {
        if (!Ids.EntityId.TryParse(userId, out _))
        {
            throw new ArgumentException("Not a user id.", nameof(userId));
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("Version", "2012-10-17");
            json.WriteStartArray("Statement");
            Statement(json, ObjectActions, [$"arn:aws:s3:::{resources.Bucket}/{Uploads.UploadKeys.UserPrefix(userId)}*"], null);
            Statement(json, ListActions, [$"arn:aws:s3:::{resources.Bucket}"], json =>
            {
                json.WriteStartObject("StringLike");
                json.WriteString("s3:prefix", Uploads.UploadKeys.UserPrefix(userId) + "*");
                json.WriteEndObject();
            });
            if (scope == UserDataPolicyScope.Full)
            {
                Statement(json, ItemActions, [TableArn(resources.DataTable)], LeadingKeys([Storage.DataKeys.Owner(userId)]));
                Statement(json, RecordActions, [TableArn(resources.AuditTable)], LeadingKeys([.. recordActors.Select(Audit.AccessRecordLayout.ActorKeyPattern)]));
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var policy = Encoding.UTF8.GetString(buffer.ToArray());
        return policy.Length <= MaxLength ? policy : throw new InvalidOperationException("Session policy exceeds the STS size limit.");
    }

    // Region and account are left open: the session policy only narrows the role policy, which names the real ARNs.
    private static string TableArn(string table) => $"arn:aws:dynamodb:*:*:table/{table}";

    /// <summary>
    /// ForAllValues is true for a request with no leading keys at all (an empty set), so the Null condition
    /// is what refuses such requests (a Scan, for one).
    /// </summary>
    private static Action<Utf8JsonWriter> LeadingKeys(string[] keys) => json =>
    {
        // StringLike: a service actor's records are sharded (ACTOR#service:processor#042); ids hold no wildcard characters.
        json.WriteStartObject("ForAllValues:StringLike");
        json.WriteStartArray("dynamodb:LeadingKeys");
        foreach (var key in keys)
        {
            json.WriteStringValue(key);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartObject("Null");
        json.WriteString("dynamodb:LeadingKeys", "false");
        json.WriteEndObject();
    };

    private static void Statement(Utf8JsonWriter json, IReadOnlyList<string> actions, string[] resources, Action<Utf8JsonWriter>? condition)
    {
        json.WriteStartObject();
        json.WriteString("Effect", "Allow");
        json.WriteStartArray("Action");
        foreach (var action in actions)
        {
            json.WriteStringValue(action);
        }

        json.WriteEndArray();
        json.WriteStartArray("Resource");
        foreach (var resource in resources)
        {
            json.WriteStringValue(resource);
        }

        json.WriteEndArray();
        if (condition is not null)
        {
            json.WriteStartObject("Condition");
            condition(json);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }
}
