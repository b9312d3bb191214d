using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Definitions;

/// <summary>
/// Loads <c>workflows/*.yaml</c>, keeps the last good version of each file active, stores every
/// version by content hash so runs stay pinned to theirs, and reloads on change.
/// </summary>
public sealed class WorkflowCatalog : IWorkflowCatalog, IDisposable
{
    private readonly DefinitionParser parser;
    private readonly DefinitionParser storedParser;
    private readonly DefinitionStore definitions;
    private readonly ILogger<WorkflowCatalog> logger;
    private readonly EngineOptions options;
    private readonly TimeProvider clock;
    private readonly ConcurrentDictionary<string, WorkflowDefinition> byVersion = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly SemaphoreSlim reloading = new(1, 1);
    private Dictionary<string, WorkflowDefinition> byFile = new(StringComparer.Ordinal);
    private Dictionary<string, IReadOnlyList<DefinitionError>> errorsByFile = new(StringComparer.Ordinal);
    private FileSystemWatcher? watcher;
    private Timer? debounce;

    /// <summary>Creates the catalog.</summary>
    public WorkflowCatalog(IEnumerable<ActionDescriptor> actions, EngineDatabase database, IOptions<EngineOptions> options, ILogger<WorkflowCatalog> logger, INotificationChannelDirectory? channels = null, TimeProvider? clock = null)
    {
        this.clock = clock ?? TimeProvider.System;
        Actions = actions.GroupBy(a => a.Name).Select(g => g.Last()).OrderBy(a => a.Name, StringComparer.Ordinal).ToList();

        // Files are checked against the configured notification channels; stored versions are not, so a channel
        // removed from configuration never strands a pinned run (its deliveries fail visibly instead).
        parser = new DefinitionParser(Actions, channels?.ChannelNames);
        storedParser = new DefinitionParser(Actions);
        definitions = new DefinitionStore(database);
        this.logger = logger;
        this.options = options.Value;
    }

    /// <summary>Raised after definitions changed (loaded, edited, removed).</summary>
    public event Action? Changed;

    /// <inheritdoc />
    public IReadOnlyList<ActionDescriptor> Actions { get; }

    /// <inheritdoc />
    public IReadOnlyList<DefinitionError> Errors
    {
        get
        {
            lock (gate)
            {
                return errorsByFile.Values.SelectMany(e => e).ToList();
            }
        }
    }

    /// <summary>
    /// Gets the definitions folder. A relative path is looked up from the current folder upwards, so
    /// <c>dotnet run --project src/Workflows.Server</c> finds the repository's <c>workflows/</c>.
    /// </summary>
    public string Directory
    {
        get
        {
            if (Path.IsPathRooted(options.WorkflowsDirectory))
            {
                return options.WorkflowsDirectory;
            }

            for (var d = new DirectoryInfo(System.IO.Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, options.WorkflowsDirectory);
                if (System.IO.Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            return Path.GetFullPath(options.WorkflowsDirectory);
        }
    }

    /// <summary>Gets the parser (for validating definitions from other sources).</summary>
    public DefinitionParser Parser => parser;

    /// <inheritdoc />
    public IReadOnlyList<WorkflowDefinition> List()
    {
        lock (gate)
        {
            return byFile.Values.GroupBy(d => d.Name).Select(g => g.First()).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        }
    }

    /// <inheritdoc />
    public WorkflowDefinition? Get(string name)
    {
        lock (gate)
        {
            return byFile.Values.FirstOrDefault(d => d.Name == name);
        }
    }

    /// <summary>Gets a definition version, loading it from the database when this process has not seen it.</summary>
    public async Task<WorkflowDefinition?> GetVersionAsync(string version, CancellationToken ct = default)
    {
        if (byVersion.TryGetValue(version, out var d))
        {
            return d;
        }

        if (await definitions.GetAsync(version, ct) is not { } r)
        {
            return null;
        }

        var result = storedParser.Parse(r.File, r.Source);
        if (result.Definition is null)
        {
            // Actions may have been removed since; a pinned run cannot continue without them.
            logger.LogError("Stored definition version {Version} no longer validates: {Errors}", version, string.Join("; ", result.Errors));
            return null;
        }

        return byVersion.GetOrAdd(version, result.Definition);
    }

    /// <summary>
    /// Loads every file of the workflows folder and starts watching it. Never fails because of a
    /// file's content: broken files are listed in <see cref="Errors"/> and the others load.
    /// </summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await ReloadSafeAsync(ct);
        var dir = Directory;
        if (options.WatchDefinitions && System.IO.Directory.Exists(dir))
        {
            watcher = new FileSystemWatcher(dir) { IncludeSubdirectories = false, EnableRaisingEvents = true };
            watcher.Filters.Add("*.yaml");
            watcher.Filters.Add("*.yml");
            watcher.Changed += (_, _) => Poke();
            watcher.Created += (_, _) => Poke();
            watcher.Deleted += (_, _) => Poke();
            watcher.Renamed += (_, _) => Poke();

            // Events were lost (the buffer overflowed): read everything again.
            watcher.Error += (_, _) => Poke();
        }
    }

    /// <summary>
    /// Re-reads the workflows folder. Each file is loaded on its own: one that cannot be read, parsed
    /// or stored is listed in <see cref="Errors"/> with its previous version kept active, and never
    /// stops the others. Reloads run one at a time.
    /// </summary>
    public async Task ReloadAsync(CancellationToken ct = default)
    {
        await reloading.WaitAsync(ct);
        try
        {
            await ReloadOnceAsync(ct);
        }
        finally
        {
            reloading.Release();
        }
    }

    private async Task ReloadOnceAsync(CancellationToken ct)
    {
        var dir = Directory;
        var files = System.IO.Directory.Exists(dir)
            ? System.IO.Directory.EnumerateFiles(dir).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList()
            : [];
        if (!System.IO.Directory.Exists(dir))
        {
            logger.LogWarning("Workflows folder {Folder} does not exist; no definitions loaded", dir);
        }

        Dictionary<string, WorkflowDefinition> current;
        lock (gate)
        {
            current = new Dictionary<string, WorkflowDefinition>(byFile, StringComparer.Ordinal);
        }

        var next = new Dictionary<string, WorkflowDefinition>(StringComparer.Ordinal);
        var errors = new Dictionary<string, IReadOnlyList<DefinitionError>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            // Named relative to the workflows folder (its file name): what an operator finds in that folder, wherever the
            // server runs from. Versions stored under an older name (relative to the working directory) stay readable: a
            // version is keyed by its content hash, the file is only shown.
            var rel = Path.GetRelativePath(dir, file);
            try
            {
                await LoadFileAsync(file, rel, current, next, errors, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Reading, parsing and storing each handle their own failures; this is the last guard
                // so that one file can never stop the reload. Only the type is logged: a message may
                // quote the file.
                errors[rel] = [new DefinitionError(rel, 1, 1, "", $"could not be loaded ({e.GetType().Name}); see the server log")];
                logger.LogError("Loading {File} failed with {Exception}", rel, e.GetType().FullName);
                Keep(rel, current, next);
            }
        }

        lock (gate)
        {
            byFile = next;
            errorsByFile = errors;
        }

        Changed?.Invoke();
    }

    private async Task LoadFileAsync(string file, string rel, Dictionary<string, WorkflowDefinition> current, Dictionary<string, WorkflowDefinition> next, Dictionary<string, IReadOnlyList<DefinitionError>> errors, CancellationToken ct)
    {
        byte[] bytes;
        try
        {
            var length = new FileInfo(file).Length;
            if (length > DefinitionLimits.MaxFileBytes)
            {
                Refuse([new DefinitionError(rel, 1, 1, "", FormattableString.Invariant($"the file has {length:N0} bytes; a definition may have at most {DefinitionLimits.MaxFileBytes:N0}"))]);
                return;
            }

            bytes = await File.ReadAllBytesAsync(file, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Deleted between listing and reading, locked by an editor, or not readable by the server's user.
            Refuse([new DefinitionError(rel, 1, 1, "", $"cannot read the file: {e.GetType().Name}")]);
            return;
        }

        var text = YamlGuard.Decode(rel, bytes, out var notText);
        var result = text is null ? new ParseResult(null, [notText!]) : parser.Parse(rel, text);
        if (result.Definition is not { } def)
        {
            Refuse(result.Errors);
            return;
        }

        if (next.Values.FirstOrDefault(d => d.Name == def.Name) is { } dup)
        {
            Refuse([new DefinitionError(rel, 1, 1, "name", $"workflow '{def.Name}' is already defined in {dup.Source}")]);
            return;
        }

        try
        {
            await StoreVersionAsync(def, text!, ct);
        }
        catch (System.Data.Common.DbException e)
        {
            // A version that is not stored cannot pin runs; keep the previous one until the next reload.
            logger.LogError(e, "Storing version {Version} of {File} failed; keeping the previous version", def.Version, rel);
            Refuse([new DefinitionError(rel, 1, 1, "", $"version {def.Version} could not be stored in the database ({e.GetType().Name}); the previous version stays active until the next reload")]);
            return;
        }

        def = byVersion.GetOrAdd(def.Version, def);
        next[rel] = def;
        if (!current.TryGetValue(rel, out var old) || old.Version != def.Version)
        {
            logger.LogInformation("Loaded workflow {Name} version {Version} from {File}", def.Name, def.Version, rel);
        }

        void Refuse(IReadOnlyList<DefinitionError> problems)
        {
            errors[rel] = problems;
            foreach (var p in problems)
            {
                logger.LogError("Definition error {Error}", p.ToString());
            }

            Keep(rel, current, next);
        }
    }

    private void Keep(string rel, Dictionary<string, WorkflowDefinition> current, Dictionary<string, WorkflowDefinition> next)
    {
        if (current.TryGetValue(rel, out var keep) && next.Values.All(d => d.Name != keep.Name))
        {
            logger.LogWarning("Keeping the previous version {Version} of {File} active", keep.Version, rel);
            next[rel] = keep;
        }
    }

    /// <summary>
    /// Stores a definition generated by the server itself (e.g. a resource clean-up) as a version that runs can pin,
    /// without listing it among the workflows of the folder.
    /// </summary>
    /// <param name="file">The name it is reported under, e.g. <c>(built-in) resource-cleanup</c>.</param>
    /// <param name="text">Its YAML.</param>
    /// <param name="ct">The token.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="InvalidOperationException">The text does not validate (a bug in its generator).</exception>
    public async Task<WorkflowDefinition> AddGeneratedAsync(string file, string text, CancellationToken ct = default)
    {
        var result = parser.Parse(file, text);
        var def = result.Definition ?? throw new InvalidOperationException($"The generated definition {file} is invalid: {string.Join("; ", result.Errors)}");
        await StoreVersionAsync(def, text, ct);
        return byVersion.GetOrAdd(def.Version, def);
    }

    /// <summary>Validates a definition text without activating it.</summary>
    public ParseResult Validate(string file, string text) => parser.Parse(file, text);

    /// <inheritdoc />
    public void Dispose()
    {
        watcher?.Dispose();
        debounce?.Dispose();
        reloading.Dispose();
    }

    private void Poke()
    {
        // Editors write files in several steps; reload once things are quiet.
        debounce ??= new Timer(_ => _ = ReloadSafeAsync(CancellationToken.None), null, Timeout.Infinite, Timeout.Infinite);
        debounce.Change(300, Timeout.Infinite);
    }

    private async Task ReloadSafeAsync(CancellationToken ct)
    {
        try
        {
            await ReloadAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Listing the folder failed (e.g. it was removed or is not readable); the loaded
            // definitions stay active and the next change or restart tries again.
            logger.LogError("Reloading workflow definitions failed with {Exception}", e.GetType().FullName);
        }
    }

    private Task StoreVersionAsync(WorkflowDefinition def, string text, CancellationToken ct) =>
        definitions.InsertAsync(def.Version, def.Name, text, def.Source, clock.GetUtcNow().ToUnixTimeMilliseconds(), ct);
}
