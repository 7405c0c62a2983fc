using Enclave.AuditCli;

return await new AuditCommand(TimeProvider.System).RunAsync(args, Console.Out, Console.Error);
