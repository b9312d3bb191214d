using Docker.DotNet.Models;
using Secret = Workflows.Abstractions.Secrets.Secret;

namespace Workflows.Docker.Images;

/// <summary>Registry names and credentials, the way the Docker CLI reads image references.</summary>
public static class RegistryAuth
{
    /// <summary>The registry of images without a registry part.</summary>
    public const string DockerHub = "docker.io";

    /// <summary>Returns the registry host of an image reference (<c>docker.io</c> when it names none).</summary>
    public static string RegistryOf(string image)
    {
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return DockerHub;
        }

        var first = image[..slash];
        return first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" ? first : DockerHub;
    }

    /// <summary>Splits an image reference into repository and tag (<c>latest</c> when absent; digests kept whole).</summary>
    public static (string Repository, string Tag) Split(string image)
    {
        if (image.Contains('@', StringComparison.Ordinal))
        {
            return (image, string.Empty);
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    /// <summary>Builds the credentials for the image's registry, or null when no user is given.</summary>
    public static AuthConfig? From(string image, string? username, Secret? password) =>
        string.IsNullOrEmpty(username) ? null : new AuthConfig { Username = username, Password = password?.Reveal(), ServerAddress = RegistryOf(image) };
}
