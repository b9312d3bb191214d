using System.Net;
using Workflows.OpenStack.Identity;

namespace Workflows.OpenStack.Http;

/// <summary>Adds the cloud's cached token as <c>X-Auth-Token</c>; on a 401 authenticates once more and repeats the call.</summary>
public sealed class OpenStackAuthHandler(TokenProvider tokens) : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(OpenStackRequest.Cloud, out var cloud))
        {
            throw new InvalidOperationException("An OpenStack request needs its cloud in HttpRequestMessage.Options (OpenStackRequest.Cloud).");
        }

        var token = await tokens.GetAsync(cloud, cancellationToken);
        request.Headers.Remove("X-Auth-Token");
        request.Headers.TryAddWithoutValidation("X-Auth-Token", token.Value.Reveal());
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        // The token was revoked or expired early: one fresh authentication, one more try.
        response.Dispose();
        tokens.Invalidate(cloud, token);
        var fresh = await tokens.GetAsync(cloud, cancellationToken);
        request.Headers.Remove("X-Auth-Token");
        request.Headers.TryAddWithoutValidation("X-Auth-Token", fresh.Value.Reveal());
        return await base.SendAsync(request, cancellationToken);
    }
}
