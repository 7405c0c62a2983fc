using System.Net;

namespace Enclave.Tests.Faults;

/// <summary>A request body that trickles out in chunks and says when a given number of bytes has left, so a test can fail a server mid-body.</summary>
public sealed class SlowContent(byte[] data, int chunkBytes, TimeSpan pause, long signalAfterBytes) : HttpContent
{
    private readonly TaskCompletionSource signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reached => signal.Task;

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        for (var offset = 0; offset < data.Length; offset += chunkBytes)
        {
            await stream.WriteAsync(data.AsMemory(offset, Math.Min(chunkBytes, data.Length - offset)));
            await stream.FlushAsync();
            if (offset + chunkBytes >= signalAfterBytes)
            {
                signal.TrySetResult();
            }

            await Task.Delay(pause);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = data.Length;
        return true;
    }
}
