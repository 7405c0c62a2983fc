namespace Enclave.Core.Profiling;

/// <summary>What the caller says the bytes are; the profiler checks that they really are.</summary>
public enum FileKind
{
    Csv,
    Tsv,
    JsonLines,
    Zip,

    /// <summary>A gzip stream (one or more members) of CSV; its tables are <see cref="Csv"/>.</summary>
    CsvGzip,

    TsvGzip,

    JsonLinesGzip,
}
