using Enclave.Functions.Hosting;

return await EnclaveApp.RunAsync(args);

/// <summary>Entry point; public so the test host can find it.</summary>
public partial class Program;
