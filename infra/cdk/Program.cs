// Placeholder until the infrastructure issue: the CDK app (Amazon.CDK.Lib 2.160.0) is built there.
await Console.Error.WriteLineAsync("The Enclave CDK app is not built yet; see the infrastructure issue.");
return 1;
