namespace Enclave.Tests.Infrastructure;

/// <summary>An API process plus the upload processor (same binary, Processor role) on the same tables.</summary>
public class ProcessorFixture : ApiFixture
{
    public ApiProcess Processor { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var settings = ApiProcess.Settings(Stack, Storage);
        settings["Enclave__Role"] = "Processor";
        ConfigureProcessor(settings);
        Processor = await ApiProcess.StartAsync(settings);
    }

    protected virtual void ConfigureProcessor(Dictionary<string, string> settings)
    {
    }

    public override async Task DisposeAsync()
    {
        await Processor.DisposeAsync();
        await base.DisposeAsync();
    }
}
