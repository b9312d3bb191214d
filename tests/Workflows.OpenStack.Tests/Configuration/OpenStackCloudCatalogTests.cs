using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Secrets;
using Workflows.OpenStack.Configuration;

namespace Workflows.OpenStack.Tests.Configuration;

public sealed class OpenStackCloudCatalogTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("wf-catalog-").FullName;

    private OpenStackCloudCatalog Catalog() => new(
        Options.Create(new OpenStackOptions { UseCloudsYamlSearchPath = false, UseEnvironmentVariables = false, RegisteredCloudsFile = Path.Combine(root, "state", "clouds.json") }),
        new CloudsYamlLoader(_ => null, root, root),
        NullLogger<OpenStackCloudCatalog>.Instance);

    [Fact]
    public async Task RegisterAsync_PersistsTheCloudWithMode600_SoANewCatalogSeesIt()
    {
        using (var catalog = Catalog())
        {
            await catalog.RegisterAsync(new CloudRegistration("devstack-1", "http://10.1.2.3/identity", "RegionOne", "admin", new Secret("pw-devstack"), "admin", Source: "run 42"));
        }

        var file = Path.Combine(root, "state", "clouds.json");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        using var reopened = Catalog();
        var info = Assert.Single(reopened.List());
        Assert.Equal(new CloudInfo("devstack-1", "http://10.1.2.3/identity", "RegionOne", "password", "run 42"), info);
        Assert.Equal("pw-devstack", reopened.Get("devstack-1").Password!.Reveal());
    }

    [Fact]
    public void Get_ThrowsNamingKnownClouds_WhenTheCloudIsUnknown()
    {
        using var catalog = Catalog();
        catalog.Add(new CloudDefinition { Name = "sandbox", AuthUrl = "http://127.0.0.1/identity/v3", Source = "sandbox" });

        var ex = Assert.Throws<OpenStackConfigurationException>(() => catalog.Get("prod"));
        Assert.Contains("'prod' is not configured (known clouds: sandbox)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_FindsACloudAnotherCatalogRegistered_InTheSharedStore()
    {
        var store = new MemoryStore();
        OpenStackCloudCatalog Over(IRegisteredCloudStore s) => new(
            Options.Create(new OpenStackOptions { UseCloudsYamlSearchPath = false, UseEnvironmentVariables = false }),
            new CloudsYamlLoader(_ => null, root, root), s, TimeProvider.System, NullLogger<OpenStackCloudCatalog>.Instance);
        using var first = Over(store);
        using var second = Over(store);
        Assert.Empty(second.List());

        await first.RegisterAsync(new CloudRegistration("devstack-2", "http://10.1.2.4/identity", "RegionOne", "admin", new Secret("pw-2"), "admin", Source: "run 43"));

        Assert.Equal("pw-2", second.Get("devstack-2").Password!.Reveal());
        Assert.Equal("memory", second.RegisteredLocation);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private sealed class MemoryStore : IRegisteredCloudStore
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CloudDefinition> clouds = new(StringComparer.Ordinal);

        public string Location => "memory";

        public Task<IReadOnlyList<CloudDefinition>> LoadAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<CloudDefinition>>([.. clouds.Values]);

        public Task SaveAsync(CloudDefinition cloud, CancellationToken cancellationToken = default)
        {
            clouds[cloud.Name] = cloud;
            return Task.CompletedTask;
        }
    }
}
