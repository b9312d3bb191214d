using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Secrets;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;
using Workflows.OpenStack;
using Workflows.OpenStack.Configuration;
using Workflows.Server.Hosting;

namespace Workflows.Server.Tests.Hosting;

/// <summary>Clouds registered by runs live in the database that servers share, encrypted at rest.</summary>
public sealed class RegisteredCloudsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("wf-registered-").FullName;
    private readonly SecretCodec codec = new(SecretCodec.NewKey());

    [Fact]
    public async Task ACloudRegisteredOnOneServer_IsFoundByAnotherServerSharingTheDatabase_WithItsPasswordEncryptedAtRest()
    {
        var cs = await PublishedServer.CreateDatabaseAsync(PublishedServer.AdminConnectionString);
        var (first, _) = await ServerAsync(cs);
        var (second, _) = await ServerAsync(cs);
        Assert.Throws<OpenStackConfigurationException>(() => second.Get("devstack-1"));

        await first.RegisterAsync(new CloudRegistration("devstack-1", "http://10.1.2.3/identity", "RegionOne", "admin", new Secret("pw-devstack-123"), "admin", Source: "run 42"));

        var seen = second.Get("devstack-1");
        Assert.Equal("pw-devstack-123", seen.Password!.Reveal());
        Assert.Equal(("http://10.1.2.3/identity", "RegionOne", "admin", "run 42"), (seen.AuthUrl, seen.RegionName, seen.Username, seen.Source));
        Assert.Contains(second.List(), c => c.Name == "devstack-1");

        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT password FROM wf_registered_clouds WHERE name = 'devstack-1'", c);
        var stored = (string)(await cmd.ExecuteScalarAsync())!;
        Assert.DoesNotContain("pw-devstack-123", stored, StringComparison.Ordinal);
        Assert.Contains("$secret", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARegisteredCloudsFileOfAnEarlierVersion_IsImportedOnce_WithoutOverwritingTheDatabase()
    {
        var cs = await PublishedServer.CreateDatabaseAsync(PublishedServer.AdminConnectionString);
        var legacy = Path.Combine(folder, "registered-clouds.json");
        using (var file = new FileRegisteredCloudStore(legacy, NullLogger.Instance))
        {
            await file.SaveAsync(Cloud("old-devstack", "pw-old"));
            await file.SaveAsync(Cloud("kept", "pw-from-file"));
        }

        var (_, store) = await ServerAsync(cs, legacyFile: null);
        await store.SaveAsync(Cloud("kept", "pw-from-database"));

        var (catalog, _) = await ServerAsync(cs, legacy);

        Assert.Equal("pw-old", catalog.Get("old-devstack").Password!.Reveal());
        Assert.Equal("pw-from-database", catalog.Get("kept").Password!.Reveal());
        Assert.False(File.Exists(legacy));
        Assert.True(File.Exists(legacy + ".imported"));

        // A second start finds nothing to import and changes nothing.
        var (again, _) = await ServerAsync(cs, legacy);
        Assert.Equal(["kept", "old-devstack"], again.List().Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    public void Dispose() => Directory.Delete(folder, true);

    private static CloudDefinition Cloud(string name, string password) => new()
    {
        Name = name,
        AuthUrl = "http://10.9.9.9/identity",
        Username = "admin",
        Password = new Secret(password),
        ProjectName = "admin",
        UserDomainName = "Default",
        ProjectDomainName = "Default",
        Source = "run 7",
    };

    /// <summary>The pieces of one server that hold registered clouds, started as the server starts them.</summary>
    private async Task<(OpenStackCloudCatalog Catalog, DatabaseRegisteredCloudStore Store)> ServerAsync(string cs, string? legacyFile = null)
    {
        var database = new EngineDatabase(DatabaseKind.Postgres, cs, NullLogger<EngineDatabase>.Instance);
        var store = new DatabaseRegisteredCloudStore(database, codec, TimeProvider.System);
        var options = Options.Create(new OpenStackOptions
        {
            UseCloudsYamlSearchPath = false,
            UseEnvironmentVariables = false,
            RegisteredCloudsFile = legacyFile ?? Path.Combine(folder, "absent.json"),
        });
        var catalog = new OpenStackCloudCatalog(options, new CloudsYamlLoader(_ => null, folder, folder), store, TimeProvider.System, NullLogger<OpenStackCloudCatalog>.Instance);
        await new RegisteredCloudsStartup(database, store, catalog, options, NullLogger<RegisteredCloudsStartup>.Instance).StartAsync(default);
        return (catalog, store);
    }
}
