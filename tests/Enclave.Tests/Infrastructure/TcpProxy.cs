using System.Net;
using System.Net.Sockets;

namespace Enclave.Tests.Infrastructure;

/// <summary>
/// A loopback TCP forwarder in front of a local server, for fault injection: while stalled it
/// accepts connections and drops every byte in both directions, like a network partition.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Uri target;
    private readonly CancellationTokenSource stop = new();
    private readonly Task acceptLoop;
    private volatile bool stalled;

    public TcpProxy(Uri target)
    {
        this.target = target;
        listener.Start();
        acceptLoop = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    public bool Stalled
    {
        get => stalled;
        set => stalled = value;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping.
        }

        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop.Token);
            _ = Task.Run(() => PipeAsync(client));
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using (client)
        {
            if (stalled)
            {
                await DrainAsync(client.GetStream());
                return;
            }

            using var upstream = new TcpClient();
            await upstream.ConnectAsync(target.Host, target.Port, stop.Token);
            var down = CopyAsync(client.GetStream(), upstream.GetStream());
            var up = CopyAsync(upstream.GetStream(), client.GetStream());
            await Task.WhenAny(down, up);
        }
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, stop.Token)) > 0)
            {
                if (!stalled)
                {
                    await to.WriteAsync(buffer.AsMemory(0, read), stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Either side went away.
        }
    }

    private async Task DrainAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, stop.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
        {
            // Client gave up.
        }
    }
}
