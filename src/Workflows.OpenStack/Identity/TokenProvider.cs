using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Workflows.OpenStack.Configuration;

namespace Workflows.OpenStack.Identity;

/// <summary>Caches one token per cloud until shortly before it expires.</summary>
public sealed class TokenProvider(IOpenStackClouds clouds, IHttpClientFactory httpClientFactory, IOptions<OpenStackOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>Returns a valid token for <paramref name="cloudName"/>, authenticating when none is cached or it expires soon.</summary>
    /// <exception cref="OpenStackException">Authentication failed.</exception>
    public async Task<Token> GetAsync(string cloudName, CancellationToken cancellationToken = default)
    {
        // A cloud re-registered under the same name (new DevStack, rotated password) gets a new token.
        var cloud = clouds.Get(cloudName);
        var entry = entries.GetOrAdd(cloudName, _ => new Entry());
        if (entry.Token is { } cached && IsFresh(cached) && Equals(entry.Cloud, cloud))
        {
            return cached;
        }

        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.Token is { } again && IsFresh(again) && Equals(entry.Cloud, cloud))
            {
                return again;
            }

            var identity = new IdentityClient(httpClientFactory.CreateClient(IdentityClient.HttpClientName));
            entry.Token = await identity.AuthenticateAsync(cloud, cancellationToken);
            entry.Cloud = cloud;
            return entry.Token;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Forgets <paramref name="token"/> (after a 401) so the next call authenticates again.</summary>
    public void Invalidate(string cloudName, Token token)
    {
        if (entries.TryGetValue(cloudName, out var entry) && ReferenceEquals(entry.Token, token))
        {
            entry.Token = null;
        }
    }

    private bool IsFresh(Token token) => clock.GetUtcNow() < token.ExpiresAt - options.Value.TokenRenewBefore;

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Token? Token { get; set; }

        public CloudDefinition? Cloud { get; set; }
    }
}
