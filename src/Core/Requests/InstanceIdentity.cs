using System.Security.Cryptography;

namespace Enclave.Core.Requests;

/// <summary>Names the process that served a request, so records show which instance wrote them.</summary>
public sealed class InstanceIdentity
{
    public InstanceIdentity()
    {
        // In Lambda the log stream name is unique per execution environment.
        var stream = Environment.GetEnvironmentVariable("AWS_LAMBDA_LOG_STREAM_NAME");
        Id = string.IsNullOrEmpty(stream)
            ? $"{Environment.MachineName}-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}"
            : stream;
    }

    public string Id { get; }
}
