using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;
using Workflows.Docker.Images;

namespace Workflows.Docker.Actions;

/// <summary>
/// <c>docker.image.ensure</c>: returns at once when the image is present, otherwise pulls it (with
/// registry credentials when given). An unreachable registry fails with its name.
/// </summary>
public sealed class ImageEnsureAction(IDockerClientFactory clients, IOptions<DockerOptions> options)
    : DockerAction<ImageEnsureInputs, ImageEnsureOutputs>(clients)
{
    /// <inheritdoc />
    protected override string Describe(ImageEnsureInputs inputs) => $"Ensuring image {inputs.Image}";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(ImageEnsureInputs inputs, StepContext context, IDockerClient client, DockerEndpoint endpoint)
    {
        var ct = context.CancellationToken;
        if (!inputs.AlwaysPull && await InspectAsync(client, inputs.Image, ct) is { } present)
        {
            context.Log.WriteLine($"image {inputs.Image}: already present ({present.ID})");
            return Completed(new ImageEnsureOutputs(inputs.Image, present.ID, false));
        }

        var registry = RegistryAuth.RegistryOf(inputs.Image);
        var (repository, tag) = RegistryAuth.Split(inputs.Image);
        var auth = RegistryAuth.From(inputs.Image, inputs.RegistryUsername, inputs.RegistryPassword) ?? new AuthConfig();
        string? streamError = null;
        var progress = new Progress<JSONMessage>(m =>
        {
            if (m.Error is { Message: { } e } || m.ErrorMessage is { Length: > 0 })
            {
                streamError ??= m.Error?.Message ?? m.ErrorMessage;
            }
        });

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.PullTimeout);
        context.Log.WriteLine($"image {inputs.Image}: pulling from {registry}");
        try
        {
            await DockerAudit.CallAsync(context, endpoint, "POST", $"/images/create?fromImage={repository}&tag={tag}", () =>
                client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = tag }, auth, progress, timeout.Token));
        }
        catch (DockerApiException ex)
        {
            throw PullFailed(inputs.Image, registry, endpoint, DockerErrors.Message(ex), ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new StepFailedException("docker.image.pull_timeout", $"Pulling {inputs.Image} from registry {registry} through {endpoint} took longer than {options.Value.PullTimeout}.", retryable: true, ex);
        }

        // Progress<T> posts to the thread pool; the error line may land just after the call returned.
        var pulled = await InspectAsync(client, inputs.Image, ct);
        if (pulled is null)
        {
            throw PullFailed(inputs.Image, registry, endpoint, streamError ?? "the image is still absent after the pull", null);
        }

        context.Log.WriteLine($"image {inputs.Image}: pulled ({pulled.ID})");
        return Completed(new ImageEnsureOutputs(inputs.Image, pulled.ID, true));
    }

    private static async Task<ImageInspectResponse?> InspectAsync(IDockerClient client, string image, CancellationToken ct)
    {
        try
        {
            return await client.Images.InspectImageAsync(image, ct);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static StepFailedException PullFailed(string image, string registry, DockerEndpoint endpoint, string message, Exception? inner)
    {
        var lower = message.ToLowerInvariant();
        if (lower.Contains("connection refused") || lower.Contains("no such host") || lower.Contains("i/o timeout") || lower.Contains("dial tcp") || lower.Contains("network is unreachable") || lower.Contains("server misbehaving"))
        {
            return new StepFailedException("docker.registry.unreachable", $"Registry {registry} is unreachable from the Docker engine at {endpoint} while pulling {image}: {message}", retryable: true, inner);
        }

        if (lower.Contains("unauthorized") || lower.Contains("denied") || lower.Contains("authentication required"))
        {
            return new StepFailedException("docker.registry.auth", $"Registry {registry} refused the credentials for {image} (engine {endpoint}): {message}", retryable: false, inner);
        }

        if (lower.Contains("not found") || lower.Contains("manifest unknown"))
        {
            return new StepFailedException("docker.image.not_found", $"Image {image} was not found in registry {registry} (engine {endpoint}): {message}", retryable: false, inner);
        }

        return new StepFailedException("docker.image.pull_failed", $"Pulling {image} from registry {registry} through {endpoint} failed: {message}", retryable: true, inner);
    }
}
