using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Http;
using Workflows.OpenStack.Identity;

namespace Workflows.OpenStack.Image;

/// <summary>Glance v2: images by id or name.</summary>
public sealed class ImageClient(HttpClient http, TokenProvider tokens, CloudDefinition cloud, string defaultInterface, IStepAudit? audit)
    : OpenStackServiceClient(http, tokens, cloud, "image", defaultInterface, audit)
{
    /// <summary>Gets an image by id.</summary>
    /// <exception cref="OpenStackNotFoundException">No such image.</exception>
    public Task<Responses.Image> GetImageAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<Responses.Image>(HttpMethod.Get, $"v2/images/{Segment(id)}", null, cancellationToken);

    /// <summary>Lists images, optionally only those named <paramref name="name"/>.</summary>
    public async Task<IReadOnlyList<Responses.Image>> ListImagesAsync(string? name = null, CancellationToken cancellationToken = default) =>
        (await SendAsync<ImagesEnvelope>(HttpMethod.Get, "v2/images" + Query(("name", name)), null, cancellationToken)).Images;

    /// <summary>Finds an image by id, else by exact name.</summary>
    /// <exception cref="OpenStackNotFoundException">No image has that id or name.</exception>
    /// <exception cref="OpenStackConflictException">Several images have that name.</exception>
    public async Task<Responses.Image> FindImageAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        if (Guid.TryParse(nameOrId, out _))
        {
            try
            {
                return await GetImageAsync(nameOrId, cancellationToken);
            }
            catch (OpenStackNotFoundException)
            {
                // A name may look like a UUID; fall through to the search by name.
            }
        }

        var matches = await ListImagesAsync(nameOrId, cancellationToken);
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new OpenStackNotFoundException("image", "GET", "/v2/images", $"No image named or with id '{nameOrId}'.", null, null),
            _ => throw new OpenStackConflictException("image", "GET", "/v2/images", $"{matches.Count} images are named '{nameOrId}'; use an id.", null, null),
        };
    }

    private sealed record ImagesEnvelope(List<Responses.Image> Images);
}
