namespace Enclave.Core.Profiling;

public enum FileKind
{
    Csv,
    Tsv,
    JsonLines,
    Zip,
}
