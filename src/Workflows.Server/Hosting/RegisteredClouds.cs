using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Secrets;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;
using Workflows.OpenStack;
using Workflows.OpenStack.Configuration;

namespace Workflows.Server.Hosting;

/// <summary>
/// Clouds registered at run time (e.g. by <c>install-devstack</c>) kept in the server's database, with the password
/// encrypted by the engine's secret codec, so every server sharing the database sees them.
/// </summary>
public sealed class DatabaseRegisteredCloudStore(EngineDatabase database, SecretCodec codec, TimeProvider time) : IRegisteredCloudStore
{
    /// <summary>The schema of the <c>clouds</c> component.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "clouds registered by runs", Table, Table),
    ];

    private const string Table = """
        CREATE TABLE wf_registered_clouds (
            name TEXT PRIMARY KEY, auth_url TEXT NOT NULL, region TEXT NULL, username TEXT NOT NULL, password TEXT NOT NULL,
            project_name TEXT NOT NULL, user_domain_name TEXT NOT NULL, project_domain_name TEXT NOT NULL,
            source TEXT NOT NULL, updated_at BIGINT NOT NULL);
        """;

    /// <inheritdoc />
    public string Location => $"the {database.Kind} database";

    /// <inheritdoc />
    public async Task<IReadOnlyList<CloudDefinition>> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            "SELECT name AS Name, auth_url AS AuthUrl, region AS Region, username AS Username, password AS Password, project_name AS ProjectName, user_domain_name AS UserDomainName, project_domain_name AS ProjectDomainName, source AS Source FROM wf_registered_clouds",
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new CloudDefinition
        {
            Name = r.Name,
            AuthUrl = r.AuthUrl,
            RegionName = r.Region,
            Username = r.Username,
            Password = codec.Unprotect(r.Password)?.GetValue<Secret>(),
            ProjectName = r.ProjectName,
            UserDomainName = r.UserDomainName,
            ProjectDomainName = r.ProjectDomainName,
            Source = r.Source,
        })];
    }

    /// <inheritdoc />
    public Task SaveAsync(CloudDefinition cloud, CancellationToken cancellationToken = default) => WriteAsync(cloud, replace: true, cancellationToken);

    /// <summary>Adds a cloud unless one of that name is already registered; returns whether it was added.</summary>
    /// <param name="cloud">The cloud.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Whether it was added.</returns>
    public async Task<bool> AddIfMissingAsync(CloudDefinition cloud, CancellationToken cancellationToken = default) =>
        await WriteAsync(cloud, replace: false, cancellationToken) > 0;

    private async Task<int> WriteAsync(CloudDefinition cloud, bool replace, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var conflict = replace
            ? "DO UPDATE SET auth_url = excluded.auth_url, region = excluded.region, username = excluded.username, password = excluded.password, project_name = excluded.project_name, user_domain_name = excluded.user_domain_name, project_domain_name = excluded.project_domain_name, source = excluded.source, updated_at = excluded.updated_at"
            : "DO NOTHING";
        return await c.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO wf_registered_clouds (name, auth_url, region, username, password, project_name, user_domain_name, project_domain_name, source, updated_at)
            VALUES (@Name, @AuthUrl, @Region, @Username, @Password, @ProjectName, @UserDomainName, @ProjectDomainName, @Source, @At)
            ON CONFLICT (name) {conflict}
            """,
            new
            {
                cloud.Name,
                cloud.AuthUrl,
                Region = cloud.RegionName,
                Username = cloud.Username ?? string.Empty,
                Password = codec.Protect(JsonValue.Create(cloud.Password ?? new Secret(string.Empty))),
                ProjectName = cloud.ProjectName ?? string.Empty,
                UserDomainName = cloud.UserDomainName ?? "Default",
                ProjectDomainName = cloud.ProjectDomainName ?? "Default",
                cloud.Source,
                At = time.GetUtcNow().ToUnixTimeMilliseconds(),
            },
            cancellationToken: cancellationToken));
    }

    private sealed record Row(string Name, string AuthUrl, string? Region, string Username, string Password, string ProjectName, string UserDomainName, string ProjectDomainName, string Source);
}

/// <summary>
/// At start: creates the registered clouds' table, imports a registered-clouds.json of an earlier version once
/// (then renames it to <c>*.imported</c>), and reads the registered clouds.
/// </summary>
public sealed class RegisteredCloudsStartup(
    EngineDatabase database,
    DatabaseRegisteredCloudStore store,
    OpenStackCloudCatalog catalog,
    IOptions<OpenStackOptions> options,
    ILogger<RegisteredCloudsStartup> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(DatabaseRegisteredCloudStore.Migrations, "clouds", cancellationToken);
        var legacy = options.Value.RegisteredCloudsFile;
        if (File.Exists(legacy))
        {
            try
            {
                var clouds = FileRegisteredCloudStore.Read(legacy);
                var added = 0;
                foreach (var cloud in clouds)
                {
                    added += await store.AddIfMissingAsync(cloud, cancellationToken) ? 1 : 0;
                }

                File.Move(legacy, legacy + ".imported", overwrite: true);
                logger.LogInformation(
                    "Imported {Added} of {Count} registered cloud(s) from {File} into the database (names already there were kept); the file is now {Renamed}",
                    added, clouds.Count, legacy, legacy + ".imported");
            }
            catch (System.Text.Json.JsonException e)
            {
                logger.LogWarning("Could not import registered clouds from {File}: {Error}; it was left in place", legacy, e.Message);
            }
        }

        await catalog.RefreshAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Wires the server-side pieces of the OpenStack integration.</summary>
public static class RegisteredCloudsServiceCollectionExtensions
{
    /// <summary>Keeps registered clouds in the engine's database instead of a file (call after <c>AddWorkflowEngine</c>).</summary>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddRegisteredCloudsInDatabase(this IServiceCollection services)
    {
        services.TryAddSingleton<DatabaseRegisteredCloudStore>();
        services.Replace(ServiceDescriptor.Singleton<IRegisteredCloudStore>(sp => sp.GetRequiredService<DatabaseRegisteredCloudStore>()));
        services.AddHostedService<RegisteredCloudsStartup>();
        return services;
    }
}
