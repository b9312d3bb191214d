using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using Docker.DotNet;
using Workflows.Abstractions.Actions;

namespace Workflows.Docker.Client;

/// <summary>Turns Docker.DotNet and transport exceptions into step failures that name the endpoint.</summary>
public static class DockerErrors
{
    /// <summary>Converts <paramref name="exception"/> into a <see cref="StepFailedException"/> (or returns it when it already is one).</summary>
    public static StepFailedException Translate(Exception exception, DockerEndpoint endpoint, string doing)
    {
        switch (exception)
        {
            case StepFailedException sfe:
                return sfe;
            case DockerImageNotFoundException inf:
                return new StepFailedException("docker.image.not_found", $"{doing} on {endpoint}: image not found ({Message(inf)}).", retryable: false, inf);
            case DockerApiException api:
                var message = Message(api);
                if (message.Contains("This node is not a swarm manager", StringComparison.OrdinalIgnoreCase))
                {
                    return new StepFailedException("docker.swarm.not_manager", $"{doing}: the Docker engine at {endpoint} is not a swarm manager ({message}). Point host at a manager node or run 'docker swarm init'.", retryable: false, api);
                }

                // Older engines answer 500 for a missing network or secret; the message is what tells.
                if (api.StatusCode == HttpStatusCode.NotFound || message.EndsWith("not found", StringComparison.OrdinalIgnoreCase) || message.StartsWith("No such", StringComparison.OrdinalIgnoreCase))
                {
                    var code = message.StartsWith("service", StringComparison.OrdinalIgnoreCase) ? "docker.service.not_found"
                        : message.Contains("image", StringComparison.OrdinalIgnoreCase) ? "docker.image.not_found"
                        : message.StartsWith("network", StringComparison.OrdinalIgnoreCase) ? "docker.network.not_found"
                        : "docker.not_found";
                    return new StepFailedException(code, $"{doing} on {endpoint}: {message}.", retryable: false, api);
                }

                var retryable = (int)api.StatusCode >= 500 || api.StatusCode == HttpStatusCode.Conflict;
                return new StepFailedException("docker.api", $"{doing} on {endpoint} failed with HTTP {(int)api.StatusCode}: {message}.", retryable, api);
            case TimeoutException or TaskCanceledException:
                return new StepFailedException("docker.timeout", $"{doing}: the Docker engine at {endpoint} did not answer in time.", retryable: true, exception);
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return new StepFailedException("docker.tls", $"{doing}: TLS handshake with the Docker engine at {endpoint} failed ({e.Message}). Check caCert/clientCert/clientKey (or DOCKER_CERT_PATH) and tlsVerify.", retryable: false, exception);
            }

            if (e is SocketException se)
            {
                return new StepFailedException("docker.unreachable", $"{doing}: cannot connect to the Docker engine at {endpoint} ({se.SocketErrorCode}: {se.Message}). Is the daemon running?", retryable: true, exception);
            }

            if (e is IOException io && io.Message.Contains("SSL", StringComparison.OrdinalIgnoreCase))
            {
                return new StepFailedException("docker.tls", $"{doing}: TLS with the Docker engine at {endpoint} failed ({io.Message}).", retryable: false, exception);
            }
        }

        return new StepFailedException("docker.error", $"{doing} on {endpoint} failed: {exception.GetType().Name}: {exception.Message}", retryable: true, exception);
    }

    /// <summary>Extracts the engine's <c>message</c> from an API error body.</summary>
    public static string Message(DockerApiException exception)
    {
        var body = exception.ResponseBody;
        if (string.IsNullOrWhiteSpace(body))
        {
            return exception.StatusCode.ToString();
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) && m.GetString() is { } text)
            {
                return text.Trim();
            }
        }
        catch (JsonException)
        {
        }

        return body.Trim();
    }
}
