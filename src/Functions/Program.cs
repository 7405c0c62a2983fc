using Enclave.Functions.Hosting;

return await EnclaveApp.RunAsync(args);
