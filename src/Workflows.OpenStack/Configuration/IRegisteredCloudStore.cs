using System.Text.Json;
using Microsoft.Extensions.Logging;
using Workflows.Abstractions.Secrets;

namespace Workflows.OpenStack.Configuration;

/// <summary>
/// Where clouds registered at run time (e.g. by <c>install-devstack</c>) are kept. The server keeps them in its
/// database, so every server sharing it sees them; <see cref="FileRegisteredCloudStore"/> is for a library user
/// without a database.
/// </summary>
public interface IRegisteredCloudStore
{
    /// <summary>Gets where the clouds are kept, for the startup banner (never a secret).</summary>
    string Location { get; }

    /// <summary>Reads every registered cloud.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The clouds, with their secrets.</returns>
    Task<IReadOnlyList<CloudDefinition>> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces a cloud by name.</summary>
    /// <param name="cloud">The cloud (password auth).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    Task SaveAsync(CloudDefinition cloud, CancellationToken cancellationToken = default);
}

/// <summary>Registered clouds in a JSON file of mode 600 (plain strings: the file's mode is the protection).</summary>
/// <param name="path">The file.</param>
/// <param name="logger">The logger.</param>
public sealed class FileRegisteredCloudStore(string path, ILogger logger) : IRegisteredCloudStore, IDisposable
{
    private static readonly JsonSerializerOptions FileJson = new() { WriteIndented = true };
    private readonly SemaphoreSlim fileLock = new(1, 1);

    /// <inheritdoc />
    public string Location => path;

    /// <summary>Reads the clouds of a file in this format; a missing file has none.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The clouds.</returns>
    /// <exception cref="JsonException">The file is not in this format.</exception>
    public static IReadOnlyList<CloudDefinition> Read(string path) =>
        File.Exists(path) ? [.. (JsonSerializer.Deserialize<List<StoredCloud>>(File.ReadAllText(path)) ?? []).Select(s => s.ToDefinition())] : [];

    /// <inheritdoc />
    public Task<IReadOnlyList<CloudDefinition>> LoadAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return Task.FromResult(Read(path));
        }
        catch (JsonException ex)
        {
            logger.LogWarning("Ignoring registered clouds file {Path}: {Error}", path, ex.Message);
            return Task.FromResult<IReadOnlyList<CloudDefinition>>([]);
        }
    }

    /// <inheritdoc />
    public async Task SaveAsync(CloudDefinition cloud, CancellationToken cancellationToken = default)
    {
        await fileLock.WaitAsync(cancellationToken);
        try
        {
            var all = (await LoadAsync(cancellationToken)).ToDictionary(c => c.Name, StringComparer.Ordinal);
            all[cloud.Name] = cloud;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var temp = path + ".tmp";
            var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var stream = new FileStream(temp, fileOptions))
            {
                await JsonSerializer.SerializeAsync(stream, all.Values.Select(StoredCloud.From).ToList(), FileJson, cancellationToken);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            fileLock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => fileLock.Dispose();

    private sealed record StoredCloud(string Name, string AuthUrl, string? Region, string Username, string Password, string ProjectName, string UserDomainName, string ProjectDomainName, string Source)
    {
        public static StoredCloud From(CloudDefinition c) =>
            new(c.Name, c.AuthUrl, c.RegionName, c.Username ?? string.Empty, c.Password?.Reveal() ?? string.Empty, c.ProjectName ?? string.Empty, c.UserDomainName ?? "Default", c.ProjectDomainName ?? "Default", c.Source);

        public CloudDefinition ToDefinition() => new()
        {
            Name = Name,
            AuthUrl = AuthUrl,
            RegionName = Region,
            Username = Username,
            Password = new Secret(Password),
            ProjectName = ProjectName,
            UserDomainName = UserDomainName,
            ProjectDomainName = ProjectDomainName,
            Source = Source,
        };
    }
}
