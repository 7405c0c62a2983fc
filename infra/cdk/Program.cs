using Amazon.CDK;

using Enclave.Cdk;

var app = new App();
EnclaveApp.Build(app);
app.Synth();
