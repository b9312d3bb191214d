using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Sandbox.State;

/// <summary>
/// Where the sandbox keeps its state between server starts. The state is a set of named parts (the OpenStack
/// services are the part <c>openstack</c>; the Kubernetes API of sandbox clusters can add its own), saved
/// together as one document so the parts never disagree after a crash.
/// </summary>
public interface ISandboxStore
{
    /// <summary>Returns the saved parts by name, or null when nothing was saved yet.</summary>
    JsonObject? Load();

    /// <summary>Replaces what is saved with <paramref name="parts"/>, atomically: a crash leaves the old or the new document, never a mix.</summary>
    void Save(JsonObject parts);
}

/// <summary>
/// Keeps the state in <c>{directory}/sandbox-state.json</c>, replaced atomically on every change (written to a
/// temporary file, flushed to disk, then renamed over the old one).
/// </summary>
/// <param name="directory">The folder; created when missing.</param>
public sealed class JsonFileSandboxStore(string directory) : ISandboxStore
{
    /// <summary>The file name inside the directory.</summary>
    public const string FileName = "sandbox-state.json";

    private const int FormatVersion = 1;

    /// <summary>Gets the full path of the state file.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetFullPath(directory), FileName);

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">When the file exists but is not a sandbox state document (it is left untouched).</exception>
    public JsonObject? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        JsonNode? document;
        try
        {
            document = JsonNode.Parse(File.ReadAllText(Path));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The sandbox state file {Path} is not valid JSON (line {ex.LineNumber + 1}): move it away to start with a fresh sandbox.", ex);
        }

        if (document is not JsonObject root || root["version"]?.GetValue<int>() != FormatVersion || root["parts"] is not JsonObject parts)
        {
            throw new InvalidDataException($"The sandbox state file {Path} is not a version {FormatVersion} sandbox state document: move it away to start with a fresh sandbox.");
        }

        root.Remove("parts");
        return parts;
    }

    /// <inheritdoc />
    public void Save(JsonObject parts)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // Tokens and application credential secrets are in the file: readable by the server's user only.
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, fileOptions))
        {
            using (var writer = new Utf8JsonWriter(stream))
            {
                new JsonObject { ["version"] = FormatVersion, ["parts"] = parts }.WriteTo(writer);
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }
}

/// <summary>A part of the sandbox's state that is saved with the rest (see <see cref="ISandboxStore"/>).</summary>
internal interface ISandboxStatePart
{
    /// <summary>Gets the part's name in the saved document.</summary>
    string Name { get; }

    /// <summary>Returns the part's state as JSON; called under <see cref="SandboxState.Gate"/>.</summary>
    JsonNode Capture();
}

/// <summary>Saves every registered part through the store after each change.</summary>
internal sealed class SandboxPersistence(ISandboxStore store, SandboxState state)
{
    private readonly Lock saving = new();
    private readonly List<ISandboxStatePart> parts = [state];

    /// <summary>Gets or sets the parts as loaded at start (null on a first start); a part registered later restores itself from its entry.</summary>
    public JsonObject? Loaded { get; init; }

    /// <summary>Returns what was saved for the part <paramref name="name"/> at the last run, or null.</summary>
    public JsonNode? Saved(string name) => Loaded?[name];

    /// <summary>Adds a part (e.g. the Kubernetes objects of sandbox clusters).</summary>
    public void Register(ISandboxStatePart part)
    {
        lock (saving)
        {
            parts.Add(part);
        }
    }

    private bool closed;

    /// <summary>Saves one last time; later saves do nothing (the sandbox is stopping, its parts going away).</summary>
    public void Close()
    {
        lock (saving)
        {
            Save();
            closed = true;
        }
    }

    /// <summary>Captures every part under the state's gate and writes them; saves are serialized, so the last change is the last written.</summary>
    public void Save()
    {
        lock (saving)
        {
            if (closed)
            {
                return;
            }

            var document = new JsonObject();
            lock (state.Gate)
            {
                foreach (var part in parts)
                {
                    document[part.Name] = part.Capture();
                }
            }

            store.Save(document);
        }
    }
}
