namespace Enclave.AuditCli;

/// <summary>A command word followed by <c>--name value</c> pairs; small enough that a parser library would cost more than it saves.</summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string> options;

    private CliArgs(string command, Dictionary<string, string> options)
    {
        Command = command;
        this.options = options;
    }

    public string Command { get; }

    public static CliArgs Parse(IReadOnlyList<string> args, IReadOnlySet<string> allowed)
    {
        if (args.Count == 0 || args[0].StartsWith('-'))
        {
            throw new UsageException("Give a command.");
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i += 2)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || !allowed.Contains(name[2..]))
            {
                throw new UsageException($"Unknown option '{name}' for '{args[0]}'.");
            }

            if (i + 1 >= args.Count)
            {
                throw new UsageException($"Option '{name}' needs a value.");
            }

            if (!options.TryAdd(name[2..], args[i + 1]))
            {
                throw new UsageException($"Option '{name}' is given twice.");
            }
        }

        return new CliArgs(args[0], options);
    }

    public string? Get(string name) => options.GetValueOrDefault(name);

    public string Require(string name) => Get(name) ?? throw new UsageException($"Option '--{name}' is required.");

    public int GetInt(string name, int fallback, int min, int max)
    {
        if (Get(name) is not { } text)
        {
            return fallback;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) &&
               value >= min && value <= max
            ? value
            : throw new UsageException($"Option '--{name}' must be a whole number from {min} to {max}.");
    }
}

internal sealed class UsageException(string message) : Exception(message)
{
    public UsageException()
        : this("Usage error.")
    {
    }

    public UsageException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}
