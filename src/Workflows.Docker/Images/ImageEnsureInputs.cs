namespace Workflows.Docker.Images;

/// <summary>Inputs of <c>docker.image.ensure</c>.</summary>
public sealed record ImageEnsureInputs : DockerEndpointInputs
{
    /// <summary>Gets the image reference, e.g. <c>registry.example.com/app:1.4.2</c>.</summary>
    public required string Image { get; init; }

    /// <summary>Gets whether to pull even when the image is present. Default is false.</summary>
    public bool AlwaysPull { get; init; }

    /// <summary>Gets the registry user.</summary>
    public string? RegistryUsername { get; init; }

    /// <summary>Gets the registry password or token.</summary>
    public Workflows.Abstractions.Secrets.Secret? RegistryPassword { get; init; }
}

/// <summary>Outputs of <c>docker.image.ensure</c>.</summary>
/// <param name="Image">The image reference.</param>
/// <param name="Id">The local image id.</param>
/// <param name="Pulled">Whether it was pulled by this step.</param>
public sealed record ImageEnsureOutputs(string Image, string Id, bool Pulled);
