using System.Diagnostics;
using System.Net;

using Amazon.DynamoDBv2;
using Amazon.S3;

using Enclave.Tests.Infrastructure;

using Xunit.Abstractions;

namespace Enclave.Tests.Faults;

/// <summary>
/// Fault tests kill and freeze servers, so they share a stack of their own (never ./test.sh's) and run one after
/// another in this collection.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FaultCollection : ICollectionFixture<FaultStack>
{
    public const string Name = "faults";
}

public sealed class FaultStack : IAsyncLifetime
{
    /// <summary>Per AWS call; with the one retry a stalled dependency costs about twice this before the 503.</summary>
    public const int AwsTimeoutSeconds = 2;

    public LocalStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await LocalStack.StartPrivateAsync();

    public Task DisposeAsync() => Stack.DisposeAsync();

    public async Task<ApiProcess> StartApiAsync(TestStorage storage)
    {
        // The gateway can be slow to create its first bucket after a restart; the API's start-up would give up after
        // its short per-call timeout, so the bucket is made here with the SDK's patient defaults.
        using (var s3 = S3())
        {
            await s3.PutBucketAsync(storage.Bucket);
        }

        var settings = ApiProcess.Settings(Stack, storage);
        settings["Enclave__Storage__AwsTimeoutSeconds"] = AwsTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await ApiProcess.StartAsync(settings);
    }

    public IAmazonDynamoDB Dynamo() => Stack.CreateDynamo();

    public IAmazonS3 S3() => Stack.CreateAdminS3();

    /// <summary>Sends a signal (STOP, CONT, KILL) to one daemon of this stack, by its recorded PID.</summary>
    public async Task SignalAsync(string daemon, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, Stack.Pid(daemon).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }
}

/// <summary>Times requests made while a dependency is down and checks each is a prompt 503 problem.</summary>
public sealed class OutageProbe(ITestOutputHelper output, TimeSpan bound)
{
    private readonly List<(string Name, TimeSpan Took)> timings = [];

    public IReadOnlyList<(string Name, TimeSpan Took)> Timings => timings;

    public async Task<HttpResponseMessage> TimeAsync(string name, Func<Task<HttpResponseMessage>> request)
    {
        var watch = Stopwatch.StartNew();
        var response = await request();
        watch.Stop();
        output.WriteLine($"{name}: {(int)response.StatusCode} in {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, bound);
        return response;
    }

    /// <summary>Readiness is a probe for load balancers and carries no Retry-After; every other 503 does.</summary>
    public async Task ExpectUnavailableAsync(string name, Func<Task<HttpResponseMessage>> request, bool retryAfter = true)
    {
        var watch = Stopwatch.StartNew();
        var response = await TimeAsync(name, request);
        lock (timings)
        {
            timings.Add((name, watch.Elapsed));
        }

        await Problem.AssertAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(retryAfter, response.Headers.RetryAfter is not null);
    }

    public void Summarize(string fault)
    {
        var ms = timings.Select(t => t.Took.TotalMilliseconds).Order().ToList();
        output.WriteLine($"{fault}: {ms.Count} requests during the outage, 503 latency min {ms[0]:F0} / median {ms[ms.Count / 2]:F0} / max {ms[^1]:F0} ms (bound {bound.TotalSeconds:F0} s)");
    }
}
