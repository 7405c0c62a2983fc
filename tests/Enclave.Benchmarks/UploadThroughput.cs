using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Transfer;

namespace Enclave.Benchmarks;

/// <summary>
/// A large multipart upload through the API's part URLs against a plain SDK multipart upload of the same file to
/// the same RGW, in the same run, both with 4 parts in flight: throughput and ratio, every byte the client
/// exchanged with the API, and the processor's peak RSS while it profiles the file.
/// </summary>
internal static class UploadThroughput
{
    private const int PartsInFlight = 4;

    public static async Task PrintAsync(string binary, Stack stack, int mebibytes)
    {
        var path = Path.Combine(stack.StateDir, "upload-bench.csv");
        var size = WriteCsv(path, (long)mebibytes * 1024 * 1024);
        Console.WriteLine($"Upload of a {size / (1024.0 * 1024 * 1024):0.00} GiB CSV ({size:N0} bytes), {PartsInFlight} parts in flight each way");

        var settings = stack.ApiSettings("benchupload");
        settings["Enclave__Limits__MaxUploadsPerSession"] = "10";
        await using var api = ApiRunner.Start(binary, settings);
        var processorSettings = new Dictionary<string, string>(settings, StringComparer.Ordinal) { ["Enclave__Role"] = "Processor" };
        await using var processor = ApiRunner.Start(binary, processorSettings);
        await api.WaitHealthyAsync();
        await processor.WaitHealthyAsync();

        // The first large write to a fresh RGW is slower whoever makes it: a discarded plain upload takes that cost.
        var warmUpSeconds = await PlainSdkUploadAsync(stack, path);
        var plainSeconds = await PlainSdkUploadAsync(stack, path);
        var client = await ApiClient.SignInAsync(api.BaseAddress, stack);
        var baselineKib = PeakRssKib(processor.ProcessId);
        var (apiSeconds, uploadId, session) = await ThroughApiAsync(client, path, size);
        var profileWatch = Stopwatch.StartNew();
        var status = await client.WaitSettledAsync(session, uploadId, TimeSpan.FromMinutes(20));
        var profileSeconds = profileWatch.Elapsed.TotalSeconds;
        var peakKib = PeakRssKib(processor.ProcessId);
        File.Delete(path);

        double Throughput(double seconds) => size / (1024.0 * 1024) / seconds;
        Console.WriteLine($"  warm-up, discarded: plain S3 multipart {warmUpSeconds,7:0.00} s  {Throughput(warmUpSeconds),7:0.0} MiB/s");
        Console.WriteLine($"  plain S3 multipart (TransferUtility, 8 MiB parts): {plainSeconds,7:0.00} s  {Throughput(plainSeconds),7:0.0} MiB/s");
        Console.WriteLine($"  through the API's part URLs (create, URLs, parts, complete): {apiSeconds,7:0.00} s  {Throughput(apiSeconds),7:0.0} MiB/s");
        Console.WriteLine($"  ratio API / plain throughput: {plainSeconds / apiSeconds:0.00}");
        var perGib = client.Bytes * (1024.0 * 1024 * 1024) / size;
        Console.WriteLine($"  API request + response bytes (lines, headers, bodies) for the upload: {client.Bytes:N0} in {client.Requests} requests, " +
                          $"{perGib:N0} per GiB = {100.0 * client.Bytes / size:0.00000} % of the file");
        Console.WriteLine($"  processor: {status} after {profileSeconds:0.0} s; peak RSS (VmHWM) {peakKib / 1024.0:0} MiB, {baselineKib / 1024.0:0} MiB before the upload");
    }

    private static long WriteCsv(string path, long bytes)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.Write("id,value,label,when\n");
        var written = 20L;
        var line = new StringBuilder();
        for (var i = 0L; ; i++)
        {
            line.Clear().Append(i).Append(',').Append((i % 100_000 * 0.25).ToString(CultureInfo.InvariantCulture)).Append(",label")
                .Append(i % 37).Append(",2026-11-").Append((1 + (i % 28)).ToString("00", CultureInfo.InvariantCulture)).Append('\n');
            if (written + line.Length > bytes)
            {
                break;
            }

            writer.Write(line);
            written += line.Length;
        }

        return written;
    }

    private static async Task<double> PlainSdkUploadAsync(Stack stack, string path)
    {
        using var s3 = new AmazonS3Client(new BasicAWSCredentials(stack.AccessKey, stack.SecretKey), new AmazonS3Config
        {
            ServiceURL = stack.S3Url,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
        const string bucket = "benchupload-plain";
        await s3.PutBucketAsync(bucket);
        using var transfer = new TransferUtility(s3, new TransferUtilityConfig { ConcurrentServiceRequests = PartsInFlight });
        var watch = Stopwatch.StartNew();
        await transfer.UploadAsync(new TransferUtilityUploadRequest
        {
            BucketName = bucket,
            Key = "plain.csv",
            FilePath = path,
            PartSize = 8 * 1024 * 1024,
            ContentType = "text/csv",
        });
        var seconds = watch.Elapsed.TotalSeconds;
        await s3.DeleteObjectAsync(bucket, "plain.csv");
        await s3.DeleteBucketAsync(bucket);
        return seconds;
    }

    private static async Task<(double Seconds, string UploadId, string Session)> ThroughApiAsync(ApiClient client, string path, long size)
    {
        var session = (await client.SendAsync<JsonElement>(HttpMethod.Post, "/api/sessions", new { name = "upload bench" })).GetProperty("sessionId").GetString()!;
        client.ResetCount();
        var watch = Stopwatch.StartNew();
        var created = await client.SendAsync<JsonElement>(HttpMethod.Post, $"/api/sessions/{session}/uploads",
            new { fileName = "big.csv", contentType = "text/csv", size, multipart = true });
        var uploadId = created.GetProperty("uploadId").GetString()!;
        var plan = created.GetProperty("multipart");
        var partSize = plan.GetProperty("partSize").GetInt64();
        var partCount = plan.GetProperty("partCount").GetInt32();
        Console.WriteLine($"  the API's plan: {partCount} parts of {partSize / (1024 * 1024)} MiB");
        var urls = new Dictionary<int, string>();
        foreach (var batch in Enumerable.Range(1, partCount).Chunk(100))
        {
            var signed = await client.SendAsync<JsonElement>(HttpMethod.Post, $"/api/sessions/{session}/uploads/{uploadId}/parts", new { partNumbers = batch });
            foreach (var part in signed.GetProperty("parts").EnumerateArray())
            {
                urls[part.GetProperty("partNumber").GetInt32()] = part.GetProperty("url").GetString()!;
            }
        }

        using var storage = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        await Parallel.ForEachAsync(Enumerable.Range(1, partCount), new ParallelOptions { MaxDegreeOfParallelism = PartsInFlight }, async (n, token) =>
        {
            var offset = (n - 1) * partSize;
            var buffer = new byte[Math.Min(partSize, size - offset)];
            await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous))
            {
                file.Position = offset;
                await file.ReadExactlyAsync(buffer, token);
            }

            using var response = await storage.PutAsync(urls[n], new ByteArrayContent(buffer), token);
            response.EnsureSuccessStatusCode();
        });
        await client.SendAsync<JsonElement>(HttpMethod.Post, $"/api/sessions/{session}/uploads/{uploadId}/complete");
        return (watch.Elapsed.TotalSeconds, uploadId, session);
    }

    /// <summary>The kernel's high-water mark of the process's resident set, in KiB.</summary>
    private static long PeakRssKib(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>A signed-in user's API client that counts every byte it sends and receives (request and status lines, headers, bodies).</summary>
    private sealed class ApiClient(HttpClient http, string cookie, string csrf)
    {
        public long Bytes { get; private set; }

        public int Requests { get; private set; }

        public static async Task<ApiClient> SignInAsync(Uri baseAddress, Stack stack)
        {
            var http = new HttpClient { BaseAddress = baseAddress };
            var credentials = new { email = $"upload-bench-{Guid.NewGuid():N}@example.com", password = "bench passphrase 12345" };
            await VerifiedAccount.RegisterAsync(http, stack, credentials, credentials.email);
            using var login = await http.PostAsJsonAsync("/api/auth/login", credentials);
            login.EnsureSuccessStatusCode();
            var cookie = login.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
            var csrf = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString()!;
            return new ApiClient(http, cookie, csrf);
        }

        public void ResetCount() => (Bytes, Requests) = (0, 0);

        public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body = null)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("Cookie", cookie);
            request.Headers.Add("X-CSRF-Token", csrf);
            var requestBody = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync();
            using var response = await http.SendAsync(request);
            var responseBody = await response.Content.ReadAsByteArrayAsync();
            Requests++;
            Bytes += $"{method} {path} HTTP/1.1\r\nHost: {http.BaseAddress!.Authority}\r\n".Length + HeaderBytes(request.Headers) +
                     (request.Content is null ? 0 : HeaderBytes(request.Content.Headers)) + requestBody.Length +
                     $"HTTP/1.1 {(int)response.StatusCode} {response.ReasonPhrase}\r\n".Length + HeaderBytes(response.Headers) +
                     HeaderBytes(response.Content.Headers) + responseBody.Length + 4;
            response.EnsureSuccessStatusCode();
            return responseBody.Length == 0 ? default! : JsonSerializer.Deserialize<T>(responseBody)!;
        }

        public async Task<string> WaitSettledAsync(string session, string uploadId, TimeSpan limit)
        {
            var deadline = DateTime.UtcNow + limit;
            while (true)
            {
                using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/sessions/{session}/uploads/{uploadId}")
                {
                    Headers = { { "Cookie", cookie } },
                });
                var upload = await response.Content.ReadFromJsonAsync<JsonElement>();
                var status = upload.GetProperty("status").GetString()!;
                if (status is "ready" or "rejected" || DateTime.UtcNow > deadline)
                {
                    return upload.GetProperty("reason").GetString() is { } reason ? $"{status} ({reason})" : status;
                }

                await Task.Delay(250);
            }
        }

        private static int HeaderBytes(System.Net.Http.Headers.HttpHeaders headers) =>
            headers.Sum(h => h.Key.Length + 2 + string.Join(", ", h.Value).Length + 2);
    }
}
