using Enclave.Fuzz;

using SharpFuzz;

// Usage: Enclave.Fuzz TARGET                 under afl-fuzz (scripts/fuzz.sh): input on stdin, SharpFuzz's fork-server loop
//        Enclave.Fuzz TARGET --replay PATH.. every file under each PATH in this process: seed checks and crash reproduction
if (args.Length == 0 || !Targets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: Enclave.Fuzz {string.Join('|', Targets.All.Keys)} [--replay PATH...]");
    return 2;
}

if (args.Length > 1 && args[1] == "--replay")
{
    var files = args[2..].SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).Order(StringComparer.Ordinal).ToList();
    foreach (var file in files)
    {
        try
        {
            target(File.ReadAllBytes(file));
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"{args[0]}: {file}: {ex}");
            return 1;
        }
    }

    Console.WriteLine($"{args[0]}: {files.Count} inputs replayed, no failure");
    return 0;
}

Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target(buffer.ToArray());
});
return 0;
