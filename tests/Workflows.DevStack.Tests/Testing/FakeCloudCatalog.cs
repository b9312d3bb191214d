using System.Collections.Concurrent;
using Workflows.Abstractions.Clouds;

namespace Workflows.DevStack.Tests.Testing;

/// <summary>A cloud catalog holding the sandbox cloud and whatever the actions register.</summary>
public sealed class FakeCloudCatalog : ICloudCatalog
{
    public static readonly CloudInfo Sandbox = new("sandbox", "http://127.0.0.1:18500/identity/v3", "RegionOne", "password", "sandbox");

    public ConcurrentQueue<CloudRegistration> Registered { get; } = new();

    public IReadOnlyList<CloudInfo> List() =>
        [Sandbox, .. Registered.Select(r => new CloudInfo(r.Name, r.AuthUrl, r.Region, "password", r.Source ?? "run"))];

    public Task RegisterAsync(CloudRegistration registration, CancellationToken cancellationToken = default)
    {
        Registered.Enqueue(registration);
        return Task.CompletedTask;
    }
}
