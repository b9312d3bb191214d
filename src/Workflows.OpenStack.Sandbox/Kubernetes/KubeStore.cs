using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>A change seen by a watch.</summary>
/// <param name="Type"><c>ADDED</c>, <c>MODIFIED</c>, <c>DELETED</c> or <c>BOOKMARK</c>.</param>
/// <param name="Object">The object after the change (a private copy).</param>
/// <param name="ResourceVersion">The cluster-wide resource version of the change.</param>
internal sealed record KubeWatchEvent(string Type, JsonObject Object, long ResourceVersion);

/// <summary>
/// Every object of one sandbox Kubernetes cluster, the cluster-wide <c>resourceVersion</c> counter and the
/// watchers. This is the one place that holds state: <see cref="Export"/> and <see cref="Import"/> are the
/// seam for persistence. Objects are stored as the API returns them; callers get copies.
/// </summary>
public sealed class KubeStore
{
    private const int HistoryLimit = 4096;
    private readonly Dictionary<KubeResourceType, SortedDictionary<string, JsonObject>> objects = [];
    private readonly LinkedList<(KubeResourceType Type, KubeWatchEvent Event)> history = new();
    private readonly List<Watcher> watchers = [];
    private long resourceVersion = 1;

    internal KubeStore()
    {
        foreach (var t in KubeResourceType.All)
        {
            objects[t] = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        }
    }

    /// <summary>Raised (outside the gate) after any change, so the simulated controllers look again.</summary>
    internal event Action? Changed;

    /// <summary>Gets the lock every access happens under.</summary>
    internal Lock Gate { get; } = new();

    /// <summary>Gets the current resource version (the last change's).</summary>
    internal long ResourceVersion
    {
        get
        {
            lock (Gate)
            {
                return resourceVersion;
            }
        }
    }

    /// <summary>Gets the oldest resource version a watch can still start from.</summary>
    internal long OldestWatchableVersion { get; private set; } = 1;

    internal static string Key(string? ns, string name) => $"{ns}/{name}";

    internal JsonObject? Get(KubeResourceType type, string? ns, string name)
    {
        lock (Gate)
        {
            return objects[type].TryGetValue(Key(ns, name), out var o) ? (JsonObject)o.DeepClone() : null;
        }
    }

    internal List<JsonObject> List(KubeResourceType type, string? ns = null)
    {
        lock (Gate)
        {
            return objects[type].Values.Where(o => ns is null || KubeObject.Namespace(o) == ns).Select(o => (JsonObject)o.DeepClone()).ToList();
        }
    }

    /// <summary>Stores a new or changed object under a new resource version and tells watchers. Returns the stored copy.</summary>
    internal JsonObject Put(KubeResourceType type, JsonObject obj)
    {
        JsonObject stored;
        lock (Gate)
        {
            var key = Key(KubeObject.Namespace(obj), KubeObject.Name(obj));
            var existed = objects[type].ContainsKey(key);
            var rv = ++resourceVersion;
            KubeObject.Metadata(obj)["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            stored = (JsonObject)obj.DeepClone();
            objects[type][key] = stored;
            Publish(type, new KubeWatchEvent(existed ? "MODIFIED" : "ADDED", stored, rv));
        }

        Changed?.Invoke();
        return (JsonObject)stored.DeepClone();
    }

    /// <summary>Removes an object (it must exist); watchers get DELETED with the final copy. Returns the final copy.</summary>
    internal JsonObject? Remove(KubeResourceType type, string? ns, string name)
    {
        JsonObject? removed;
        lock (Gate)
        {
            if (!objects[type].Remove(Key(ns, name), out removed))
            {
                return null;
            }

            removed = (JsonObject)removed.DeepClone();
            var rv = ++resourceVersion;
            KubeObject.Metadata(removed)["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            Publish(type, new KubeWatchEvent("DELETED", removed, rv));
        }

        Changed?.Invoke();
        return (JsonObject)removed.DeepClone();
    }

    /// <summary>
    /// Starts a watch. With <paramref name="fromVersion"/> null the current objects come first as ADDED;
    /// otherwise the changes after that version are replayed. Returns null when the version is too old (410 Gone).
    /// </summary>
    internal Watcher? Watch(KubeResourceType type, string? ns, Func<JsonObject, bool> filter, long? fromVersion)
    {
        lock (Gate)
        {
            if (fromVersion is { } from && from < OldestWatchableVersion - 1)
            {
                return null;
            }

            var watcher = new Watcher(this, type, ns, filter);
            if (fromVersion is null)
            {
                foreach (var o in objects[type].Values.Where(o => ns is null || KubeObject.Namespace(o) == ns))
                {
                    watcher.Offer(new KubeWatchEvent("ADDED", o, long.Parse(KubeObject.ResourceVersion(o)!, CultureInfo.InvariantCulture)));
                }
            }
            else
            {
                foreach (var (t, e) in history)
                {
                    if (t == type && e.ResourceVersion > fromVersion && (ns is null || KubeObject.Namespace(e.Object) == ns))
                    {
                        watcher.Offer(e);
                    }
                }
            }

            watchers.Add(watcher);
            return watcher;
        }
    }

    /// <summary>Returns every object as one JSON document (for saving the cluster).</summary>
    public JsonObject Export()
    {
        lock (Gate)
        {
            var items = new JsonArray();
            foreach (var (type, byKey) in objects)
            {
                foreach (var o in byKey.Values)
                {
                    items.Add(o.DeepClone());
                }
            }

            return new JsonObject { ["resourceVersion"] = resourceVersion, ["items"] = items };
        }
    }

    /// <summary>Replaces every object with those of a document <see cref="Export"/> wrote.</summary>
    public void Import(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        lock (Gate)
        {
            foreach (var byKey in objects.Values)
            {
                byKey.Clear();
            }

            history.Clear();
            resourceVersion = document["resourceVersion"]?.GetValue<long>() ?? 1;
            OldestWatchableVersion = resourceVersion + 1;
            foreach (var item in document["items"]?.AsArray() ?? [])
            {
                if (item is JsonObject o && KubeResourceType.All.FirstOrDefault(t => t.ApiVersion == KubeObject.Str(o, "apiVersion") && t.Kind == KubeObject.Str(o, "kind")) is { } type)
                {
                    objects[type][Key(KubeObject.Namespace(o), KubeObject.Name(o))] = (JsonObject)o.DeepClone();
                }
            }
        }

        Changed?.Invoke();
    }

    private void Publish(KubeResourceType type, KubeWatchEvent e)
    {
        history.AddLast((type, e));
        while (history.Count > HistoryLimit)
        {
            OldestWatchableVersion = history.First!.Value.Event.ResourceVersion + 1;
            history.RemoveFirst();
        }

        foreach (var w in watchers)
        {
            if (w.Type == type && (w.Namespace is null || KubeObject.Namespace(e.Object) == w.Namespace))
            {
                w.Offer(e);
            }
        }
    }

    /// <summary>One open watch: an unbounded queue of matching events (copied when read).</summary>
    internal sealed class Watcher(KubeStore store, KubeResourceType type, string? ns, Func<JsonObject, bool> filter) : IDisposable
    {
        private readonly Channel<KubeWatchEvent> channel = Channel.CreateUnbounded<KubeWatchEvent>(new UnboundedChannelOptions { SingleReader = true });

        public KubeResourceType Type => type;

        public string? Namespace => ns;

        public ChannelReader<KubeWatchEvent> Events => channel.Reader;

        public void Offer(KubeWatchEvent e)
        {
            if (filter(e.Object))
            {
                channel.Writer.TryWrite(e with { Object = (JsonObject)e.Object.DeepClone() });
            }
        }

        public void Dispose()
        {
            lock (store.Gate)
            {
                store.watchers.Remove(this);
            }

            channel.Writer.TryComplete();
        }
    }
}
