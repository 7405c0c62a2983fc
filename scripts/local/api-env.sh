#!/usr/bin/env bash
# Sourced after a stack's stack.env: the settings that point the API at the local servers in Local mode.
# Tests build the same settings in tests/Enclave.Tests/Infrastructure/ApiProcess.cs.
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export Enclave__Mode=Local
export Enclave__Storage__DynamoDbServiceUrl="$DYNAMODB_URL"
export Enclave__Storage__S3ServiceUrl="$S3_URL"
export Enclave__Storage__S3ForcePathStyle=true
export Enclave__Storage__S3ChecksumWhenRequired=true
export Enclave__Storage__S3PresignOverHttp=true
export Enclave__UserData__RoleArn="$USER_DATA_ROLE_ARN"
export Enclave__UserData__StsServiceUrl="$S3_URL"
export Enclave__UserData__PolicyScope=S3Only
export Enclave__UserData__UploadFormSigner=HostCredentials
