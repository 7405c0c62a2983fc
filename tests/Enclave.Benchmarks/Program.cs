using Enclave.Benchmarks;

// Prints numbers; asserts nothing. Run through scripts/bench.sh, which builds what it measures.
var stackEnv = Environment.GetEnvironmentVariable("ENCLAVE_STACK_ENV") ?? throw new InvalidOperationException("Set ENCLAVE_STACK_ENV.");
var repo = Environment.GetEnvironmentVariable("ENCLAVE_REPO") ?? Directory.GetCurrentDirectory();
var runs = int.Parse(Environment.GetEnvironmentVariable("BENCH_RUNS") ?? "10", System.Globalization.CultureInfo.InvariantCulture);
var stack = Stack.Load(stackEnv);

// scripts/upload-bench.sh: only the large multipart upload (MiB as the second argument, 1 GiB by default).
if (args is ["upload", ..])
{
    var mebibytes = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1024;
    await UploadThroughput.PrintAsync(Path.Combine(repo, "artifacts/api/Enclave.Functions"), stack, mebibytes);
    return;
}

PasswordCost.Print();
Console.WriteLine();
ScopedClientCost.Print(stack);

var aot = Path.Combine(repo, "artifacts/api/Enclave.Functions");
var jit = Path.Combine(repo, "src/Functions/bin/Release/net10.0/Enclave.Functions.dll");
var bareAot = Path.Combine(repo, "artifacts/bare/BareApi");
var bareJit = Path.Combine(repo, "tests/BareApi/bin/Release/net10.0/BareApi.dll");

var cookie = await ColdStart.PrepareSignInAsync(aot, stack);
Console.WriteLine();
Console.WriteLine($"Cold start: process start to first 200 ({runs} runs each, median / min / max ms)");
var results = new Dictionary<string, double>(StringComparer.Ordinal);
foreach (var (name, command, path, withCookie) in new[]
         {
             ("Enclave AOT  GET /api/me", aot, "/api/me", true),
             ("Bare AOT     GET /", bareAot, "/", false),
             ("Enclave JIT  GET /api/me", jit, "/api/me", true),
             ("Bare JIT     GET /", bareJit, "/", false),
         })
{
    var samples = new List<double>();
    for (var i = 0; i < runs; i++)
    {
        samples.Add(await ColdStart.MeasureAsync(command, path, withCookie ? cookie : null, stack));
    }

    samples.Sort();
    results[name] = samples[samples.Count / 2];
    Console.WriteLine($"  {name,-26} {samples[samples.Count / 2],7:0.0} {samples[0],7:0.0} {samples[^1],7:0.0}");
}

Console.WriteLine($"  ratio Enclave/Bare AOT: {results["Enclave AOT  GET /api/me"] / results["Bare AOT     GET /"]:0.00}");
Console.WriteLine($"  ratio Enclave/Bare JIT: {results["Enclave JIT  GET /api/me"] / results["Bare JIT     GET /"]:0.00}");
Console.WriteLine($"  ratio JIT/AOT (Enclave): {results["Enclave JIT  GET /api/me"] / results["Enclave AOT  GET /api/me"]:0.00}");

Console.WriteLine();
await RoundTrips.PrintAsync(aot, stack);
Console.WriteLine();
await RouteTimings.PrintAsync(aot, stack, int.Parse(Environment.GetEnvironmentVariable("BENCH_ROUTE_REQUESTS") ?? "100", System.Globalization.CultureInfo.InvariantCulture));
Console.WriteLine();
await EnumerationTiming.PrintAsync(aot, stack);
Console.WriteLine();
await UploadBytes.PrintAsync(aot, stack, 10);
