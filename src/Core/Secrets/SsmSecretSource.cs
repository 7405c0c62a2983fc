using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;

namespace Enclave.Core.Secrets;

/// <summary>
/// Secrets Manager values through SSM's reference path, because AWSSDK.SecretsManager is not in our
/// package source; the IAM permission needed is secretsmanager:GetSecretValue on the secret.
/// </summary>
public sealed class SsmSecretSource(IAmazonSimpleSystemsManagement ssm) : ISecretSource
{
    public const string ReferencePrefix = "/aws/reference/secretsmanager/";

    public async Task<string> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ssm.GetParameterAsync(
                new GetParameterRequest { Name = ReferencePrefix + name, WithDecryption = true },
                cancellationToken);
            var value = response.Parameter?.Value;
            return string.IsNullOrEmpty(value)
                ? throw new SecretUnavailableException($"Secret '{name}' is empty.")
                : value;
        }
        catch (AmazonSimpleSystemsManagementException ex)
        {
            throw new SecretUnavailableException($"Secret '{name}' could not be read ({ex.ErrorCode}).", ex);
        }
        catch (Exception ex) when (ex is Amazon.Runtime.AmazonClientException or Amazon.Runtime.AmazonServiceException
                                       or HttpRequestException or TimeoutException or TaskCanceledException)
        {
            throw new SecretUnavailableException($"Secret '{name}' could not be read ({ex.GetType().Name}).", ex);
        }
    }
}
