using System.Diagnostics;

using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;

namespace Enclave.Benchmarks;

/// <summary>
/// What the per-request user-data seam costs in-process: building a DynamoDB and an S3 client on a user's
/// session credentials, as every authenticated request that touches user data does (no network).
/// </summary>
internal static class ScopedClientCost
{
    public static void Print(Stack stack, int requests = 20_000)
    {
        var credentials = new SessionAWSCredentials("ASIAEXAMPLE", "secret", "token");
        void BuildBoth()
        {
            using var dynamo = new AmazonDynamoDBClient(credentials, new AmazonDynamoDBConfig { ServiceURL = stack.DynamoDbUrl, AuthenticationRegion = "us-east-1" });
            using var s3 = new AmazonS3Client(credentials, new AmazonS3Config { ServiceURL = stack.S3Url, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        }

        for (var i = 0; i < 2_000; i++)
        {
            BuildBoth();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < requests; i++)
        {
            BuildBoth();
        }

        watch.Stop();
        var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)requests;
        Console.WriteLine("Per-request user-data clients (DynamoDB + S3 on session credentials, JIT, no network)");
        Console.WriteLine($"  {requests} builds: {watch.Elapsed.TotalMicroseconds / requests:0.0} µs and {bytes / 1024:0.0} KiB allocated per request");
    }
}
