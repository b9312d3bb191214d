using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>The REST surface of the sandbox Kubernetes API: routes a request to discovery, OpenAPI or a resource verb.</summary>
internal sealed class KubeApi(KubeStore store, KubeController controller, KubernetesSandboxOptions options)
{
    private int nextServiceIp = 10;

    private DateTimeOffset Now => options.TimeProvider.GetUtcNow();

    public async Task HandleAsync(HttpContext http)
    {
        try
        {
            await RouteAsync(http);
        }
        catch (KubeStatusException ex) when (!http.Response.HasStarted)
        {
            await WriteJsonAsync(http, ex.ToStatus(), ex.Code);
        }
    }

    private async Task RouteAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        var segs = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var get = HttpMethods.IsGet(http.Request.Method);
        switch (segs)
        {
            case ["version"] when get:
                await WriteJsonAsync(http, KubeDiscovery.Version(options));
                return;
            case ["healthz" or "livez" or "readyz"] when get:
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync("ok");
                return;
            case ["api"] when get:
                await WriteDiscoveryAsync(http, core: true, KubeDiscovery.CoreVersions($"{http.Request.Host}"));
                return;
            case ["apis"] when get:
                await WriteDiscoveryAsync(http, core: false, KubeDiscovery.GroupList());
                return;
            case ["api", "v1"] when get:
                await WriteJsonAsync(http, KubeDiscovery.ResourceList(string.Empty, "v1"));
                return;
            case ["apis", var g] when get && KubeDiscovery.Groups.Contains(g):
                await WriteJsonAsync(http, KubeDiscovery.Group(g));
                return;
            case ["apis", var g, "v1"] when get && KubeDiscovery.Groups.Contains(g):
                await WriteJsonAsync(http, KubeDiscovery.ResourceList(g, "v1"));
                return;
            case ["openapi", "v2"] when get:
                var accept = http.Request.Headers.Accept.ToString();
                if (accept.Contains("protobuf", StringComparison.Ordinal))
                {
                    http.Response.ContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
                    await http.Response.Body.WriteAsync(KubeDiscovery.OpenApiV2Protobuf());
                }
                else
                {
                    await WriteJsonAsync(http, new JsonObject { ["swagger"] = "2.0", ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = options.ServerVersion }, ["paths"] = new JsonObject(), ["definitions"] = new JsonObject() });
                }

                return;
            case ["openapi", "v3"] when get:
                await WriteJsonAsync(http, KubeDiscovery.OpenApiV3Index());
                return;
            case ["openapi", "v3", .. var rest] when get && KubeDiscovery.OpenApiV3(string.Join('/', rest)) is { } doc:
                await WriteJsonAsync(http, doc);
                return;
            case ["api", "v1", .. var rest]:
                await ResourceAsync(http, string.Empty, "v1", rest);
                return;
            case ["apis", var g, var v, .. var rest] when KubeDiscovery.Groups.Contains(g) && v == "v1":
                await ResourceAsync(http, g, v, rest);
                return;
            default:
                var status = KubeStatus.Failure(404, "NotFound", "the server could not find the requested resource", new JsonObject());
                await WriteJsonAsync(http, status, 404);
                return;
        }
    }

    private static async Task WriteDiscoveryAsync(HttpContext http, bool core, JsonObject legacy)
    {
        var accept = http.Request.Headers.Accept.ToString();
        if (accept.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal) && accept.Contains("v=v2;", StringComparison.Ordinal))
        {
            http.Response.Headers.Vary = "Accept";
            http.Response.ContentType = KubeDiscovery.AggregatedContentType;
            await http.Response.WriteAsync(KubeDiscovery.Aggregated(core).ToJsonString());
            return;
        }

        await WriteJsonAsync(http, legacy);
    }

    private static async Task WriteJsonAsync(HttpContext http, JsonNode body, int status = 200)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString());
    }

    private sealed record Target(KubeResourceType Type, string? Namespace, string? Name, string? Subresource, bool LegacyWatch);

    private static Target? Parse(string group, string version, string[] rest)
    {
        var legacyWatch = rest.Length > 0 && rest[0] == "watch";
        if (legacyWatch)
        {
            rest = rest[1..];
        }

        if (rest.Length >= 3 && rest[0] == "namespaces" && KubeResourceType.Find(group, version, rest[2]) is { Namespaced: true } nt)
        {
            return rest.Length > 5 ? null : new Target(nt, rest[1], rest.ElementAtOrDefault(3), rest.ElementAtOrDefault(4), legacyWatch);
        }

        if (rest.Length >= 1 && rest.Length <= 3 && KubeResourceType.Find(group, version, rest[0]) is { } t)
        {
            return new Target(t, null, rest.ElementAtOrDefault(1), rest.ElementAtOrDefault(2), legacyWatch);
        }

        return null;
    }

    private async Task ResourceAsync(HttpContext http, string group, string version, string[] rest)
    {
        var target = Parse(group, version, rest) ?? throw new KubeStatusException(404, "NotFound", "the server could not find the requested resource", new JsonObject());
        var type = target.Type;
        if (type.Namespaced && target.Name is not null && target.Namespace is null)
        {
            throw new KubeStatusException(404, "NotFound", "the server could not find the requested resource", new JsonObject());
        }

        if (target.Subresource is { } sub && !type.Subresources.Contains(sub))
        {
            throw new KubeStatusException(404, "NotFound", "the server could not find the requested resource", new JsonObject());
        }

        var q = http.Request.Query;
        var method = http.Request.Method;
        if (target.Name is null)
        {
            if (HttpMethods.IsGet(method))
            {
                if (target.LegacyWatch || IsTrue(q["watch"]))
                {
                    await WatchAsync(http, target);
                }
                else
                {
                    await ListAsync(http, target);
                }
            }
            else if (HttpMethods.IsPost(method))
            {
                await CreateAsync(http, target);
            }
            else if (HttpMethods.IsDelete(method))
            {
                await DeleteCollectionAsync(http, target);
            }
            else
            {
                throw KubeStatus.MethodNotAllowed();
            }

            return;
        }

        if (target.Subresource == "scale")
        {
            await ScaleAsync(http, target);
            return;
        }

        if (target.Subresource == "log" && HttpMethods.IsGet(method))
        {
            var pod = store.Get(type, target.Namespace, target.Name) ?? throw KubeStatus.NotFound(type, target.Name);
            http.Response.ContentType = "text/plain";
            var image = KubeObject.Str(KubeObject.Arr(pod, "spec", "containers")?[0] as JsonObject, "image");
            await http.Response.WriteAsync(KubeController.ImageName(image).StartsWith("fail-", StringComparison.Ordinal)
                ? $"sandbox: starting {image}\nsandbox: {image} exited with code 1\n"
                : $"sandbox: starting {image}\nsandbox: {image} is running\n");
            return;
        }

        if (HttpMethods.IsGet(method))
        {
            var o = store.Get(type, target.Namespace, target.Name) ?? throw KubeStatus.NotFound(type, target.Name);
            await WriteObjectAsync(http, type, o, 200);
        }
        else if (HttpMethods.IsPut(method))
        {
            await ReplaceAsync(http, target);
        }
        else if (HttpMethods.IsPatch(method))
        {
            await PatchAsync(http, target);
        }
        else if (HttpMethods.IsDelete(method))
        {
            await DeleteAsync(http, target);
        }
        else
        {
            throw KubeStatus.MethodNotAllowed();
        }
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues v) => v.ToString() is "1" or "true" or "True";

    private static bool DryRun(HttpContext http) => http.Request.Query["dryRun"].Any(v => v == "All");

    private static string Manager(HttpContext http, string fallback)
    {
        if (http.Request.Query["fieldManager"].ToString() is { Length: > 0 } m)
        {
            return m;
        }

        var ua = http.Request.Headers.UserAgent.ToString();
        return ua.Length == 0 ? fallback : ua.Split('/')[0];
    }

    private static bool WantsTable(HttpContext http) => http.Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    private async Task WriteObjectAsync(HttpContext http, KubeResourceType type, JsonObject o, int status)
    {
        Typed(type, o);
        if (WantsTable(http))
        {
            await WriteJsonAsync(http, KubeTables.Table(type, [o], KubeObject.ResourceVersion(o) ?? string.Empty, Now, http.Request.Query["includeObject"] == "Object"), status);
            return;
        }

        await WriteJsonAsync(http, o, status);
    }

    private static JsonObject Typed(KubeResourceType type, JsonObject o)
    {
        if (o["apiVersion"] is null || o["kind"] is null)
        {
            var copy = new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion };
            foreach (var (k, v) in o.ToList())
            {
                if (k is not ("kind" or "apiVersion"))
                {
                    o.Remove(k);
                    copy[k] = v;
                }
            }

            foreach (var (k, v) in copy.ToList())
            {
                copy.Remove(k);
                o[k] = v;
            }
        }

        return o;
    }

    private Func<JsonObject, bool> Filter(HttpContext http)
    {
        var labels = KubeSelectors.ParseLabelSelector(http.Request.Query["labelSelector"].ToString());
        var fields = KubeSelectors.ParseFieldSelector(http.Request.Query["fieldSelector"].ToString());
        return o => labels(KubeObject.Labels(o)) && fields(o);
    }

    private void RequireNamespace(string? ns)
    {
        if (ns is not null && store.Get(KubeResourceType.Namespaces, null, ns) is null)
        {
            throw KubeStatus.NamespaceNotFound(ns);
        }
    }

    private async Task ListAsync(HttpContext http, Target target)
    {
        var type = target.Type;
        var filter = Filter(http);
        List<JsonObject> items;
        string rv;
        lock (store.Gate)
        {
            items = store.List(type, target.Namespace).Where(filter).ToList();
            rv = store.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        }

        if (WantsTable(http))
        {
            await WriteJsonAsync(http, KubeTables.Table(type, items, rv, Now, http.Request.Query["includeObject"] == "Object"));
            return;
        }

        var array = new JsonArray();
        foreach (var i in items)
        {
            i.Remove("apiVersion");
            i.Remove("kind");
            array.Add(i);
        }

        await WriteJsonAsync(http, new JsonObject
        {
            ["kind"] = type.Kind + "List",
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = rv },
            ["items"] = array,
        });
    }

    private async Task WatchAsync(HttpContext http, Target target)
    {
        var type = target.Type;
        var q = http.Request.Query;
        var filter = Filter(http);
        if (target.Name is { } only)
        {
            var inner = filter;
            filter = o => KubeObject.Name(o) == only && inner(o);
        }

        var rvText = q["resourceVersion"].ToString();
        var initial = IsTrue(q["sendInitialEvents"]);
        long? from = null;
        if (!initial && rvText.Length > 0 && rvText != "0")
        {
            from = long.TryParse(rvText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw KubeStatus.BadRequest($"resourceVersion: Invalid value: \"{rvText}\": must be a valid resource version");
        }

        var watcher = store.Watch(type, target.Namespace, filter, from);
        if (watcher is null)
        {
            throw KubeStatus.Gone($"too old resource version: {rvText} ({store.OldestWatchableVersion - 1})");
        }

        using var subscription = watcher;
        var bookmarks = IsTrue(q["allowWatchBookmarks"]);
        var table = WantsTable(http);
        var includeObject = q["includeObject"] == "Object";
        var timeout = int.TryParse(q["timeoutSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ts) && ts > 0 ? TimeSpan.FromSeconds(ts) : TimeSpan.FromMinutes(30);
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = "no-cache, private";
        await http.Response.StartAsync(http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        deadline.CancelAfter(timeout);
        var ct = deadline.Token;
        long lastRv = store.ResourceVersion;
        var initialPending = initial;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (initialPending && !watcher.Events.TryPeek(out _))
                {
                    initialPending = false;
                    if (bookmarks)
                    {
                        await WriteEventAsync(http, "BOOKMARK", Bookmark(type, lastRv, initialEnd: true), ct);
                    }
                }

                var e = await watcher.Events.ReadAsync(ct);
                lastRv = e.ResourceVersion;
                JsonNode payload = table
                    ? KubeTables.Table(type, [e.Object], e.ResourceVersion.ToString(CultureInfo.InvariantCulture), Now, includeObject)
                    : Typed(type, e.Object);
                await WriteEventAsync(http, e.Type, payload, ct);
                if (initialPending && !watcher.Events.TryPeek(out _))
                {
                    initialPending = false;
                    if (bookmarks)
                    {
                        await WriteEventAsync(http, "BOOKMARK", Bookmark(type, store.ResourceVersion, initialEnd: true), ct);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Client gone or timeoutSeconds reached: the watch ends, as on the real server.
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
        }
    }

    private static JsonObject Bookmark(KubeResourceType type, long rv, bool initialEnd)
    {
        var meta = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) };
        if (initialEnd)
        {
            meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion, ["metadata"] = meta };
    }

    private static async Task WriteEventAsync(HttpContext http, string type, JsonNode obj, CancellationToken ct)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString() + "\n";
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), ct);
        await http.Response.Body.FlushAsync(ct);
    }

    private static async Task<string> ReadBodyAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(http.RequestAborted);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext http, KubeResourceType type)
    {
        var contentType = http.Request.ContentType ?? "application/json";
        if (KubeProtobuf.IsProtobuf(contentType))
        {
            // kubectl's generators (create namespace/configmap/secret/deployment) send protobuf, with no fallback to JSON.
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            var decoded = KubeProtobuf.Decode(buffer.ToArray(), type);
            CheckTypeMeta(type, decoded);
            return decoded;
        }

        if (!contentType.Contains("json", StringComparison.OrdinalIgnoreCase) && !contentType.Contains("yaml", StringComparison.OrdinalIgnoreCase))
        {
            throw new KubeStatusException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (the sandbox Kubernetes API does not decode {contentType.Split(';')[0]})");
        }

        var body = await ReadBodyAsync(http);
        JsonNode node = contentType.Contains("yaml", StringComparison.OrdinalIgnoreCase) ? KubeYaml.Parse(body) : KubePatch.ParseJson(body);
        if (node is not JsonObject o)
        {
            throw KubeStatus.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: the body is not an object");
        }

        CheckTypeMeta(type, o);
        KubeFieldValidation.Check(http, type, o, $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: ");
        return o;
    }

    private static void CheckTypeMeta(KubeResourceType type, JsonObject o)
    {
        var apiVersion = KubeObject.Str(o, "apiVersion");
        var kind = KubeObject.Str(o, "kind");
        if (apiVersion is not null && apiVersion != type.ApiVersion)
        {
            throw KubeStatus.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }

        if (kind is not null && kind != type.Kind)
        {
            throw KubeStatus.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }

        o["apiVersion"] = type.ApiVersion;
        o["kind"] = type.Kind;
    }

    private static void CheckIdentity(Target target, JsonObject o)
    {
        var meta = KubeObject.Metadata(o);
        var ns = KubeObject.Str(meta, "namespace");
        if (target.Type.Namespaced)
        {
            if (ns is not null && ns.Length > 0 && ns != target.Namespace)
            {
                throw KubeStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta["namespace"] = target.Namespace;
        }
        else
        {
            meta.Remove("namespace");
        }

        if (target.Name is not null && KubeObject.Name(o) is { Length: > 0 } name && name != target.Name)
        {
            throw KubeStatus.BadRequest($"the name of the object ({name}) does not match the name on the URL ({target.Name})");
        }

        if (target.Name is not null && KubeObject.Name(o).Length == 0)
        {
            meta["name"] = target.Name;
        }
    }

    /// <summary>Prepares a new object: system metadata, initial status, defaults; validates it. Throws on errors.</summary>
    private JsonObject PrepareCreate(Target target, JsonObject o, string manager, bool apply)
    {
        var type = target.Type;
        var meta = KubeObject.Metadata(o);
        if (KubeObject.Name(o).Length == 0 && KubeObject.Str(meta, "generateName") is { Length: > 0 } generate)
        {
            meta["name"] = generate + new string(Enumerable.Range(0, 5).Select(_ => "bcdfghjklmnpqrstvwxz2456789"[RandomNumberGenerator.GetInt32(27)]).ToArray());
        }

        foreach (var k in new[] { "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink" })
        {
            meta.Remove(k);
        }

        var applied = (JsonObject)o.DeepClone();
        KubeAdmission.Default(type, o);
        KubeAdmission.Validate(type, o, null);
        meta = KubeObject.Metadata(o);
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = KubeObject.Timestamp(Now);
        if (type.HasGeneration)
        {
            meta["generation"] = 1;
        }

        InitialStatus(type, o);
        if (apply)
        {
            KubeFieldManagerCreate(type, o, applied, manager);
        }
        else
        {
            KubeFieldManager.RecordUpdate(type, null, o, manager, Now);
        }

        return o;
    }

    private void KubeFieldManagerCreate(KubeResourceType type, JsonObject o, JsonObject applied, string manager)
    {
        var tracked = KubeFieldManager.Apply(type, null, applied, manager, force: true, Now);
        KubeObject.Metadata(o)["managedFields"] = KubeObject.Metadata(tracked)["managedFields"]?.DeepClone();
    }

    private void InitialStatus(KubeResourceType type, JsonObject o)
    {
        if (type == KubeResourceType.Services)
        {
            var spec = KubeObject.Child(o, "spec");
            if (KubeObject.Str(spec, "type") != "ExternalName" && KubeObject.Str(spec, "clusterIP") is null)
            {
                var n = Interlocked.Increment(ref nextServiceIp);
                var ip = $"10.96.{n / 250}.{(n % 250) + 1}";
                spec["clusterIP"] = ip;
                spec["clusterIPs"] = new JsonArray(ip);
            }

            o["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
        }
        else if (type == KubeResourceType.Namespaces)
        {
            o["status"] = new JsonObject { ["phase"] = "Active" };
        }
        else if (type == KubeResourceType.Pods)
        {
            o["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
        }
        else if (type.HasStatus)
        {
            o["status"] = new JsonObject();
        }
    }

    private async Task CreateAsync(HttpContext http, Target target)
    {
        var type = target.Type;
        var o = await ReadObjectAsync(http, type);
        CheckIdentity(target with { Name = null }, o);
        var manager = Manager(http, "unknown");
        JsonObject result;
        lock (store.Gate)
        {
            RequireNamespace(target.Namespace);
            if (target.Namespace is { } ns && KubeObject.Str(KubeObject.Obj(store.Get(KubeResourceType.Namespaces, null, ns), "metadata"), "deletionTimestamp") is not null)
            {
                throw new KubeStatusException(403, "Forbidden", $"{type.Qualified} \"{KubeObject.Name(o)}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated", new JsonObject { ["name"] = KubeObject.Name(o), ["group"] = type.Group, ["kind"] = type.Plural });
            }

            PrepareCreate(target, o, manager, apply: false);
            if (store.Get(type, target.Namespace, KubeObject.Name(o)) is not null)
            {
                throw KubeStatus.AlreadyExists(type, KubeObject.Name(o));
            }

            result = DryRun(http) ? o : store.Put(type, o);
        }

        await WriteObjectAsync(http, type, result, 201);
    }

    /// <summary>Finishes an update of <paramref name="old"/> into <paramref name="updated"/>: keeps system fields and status, bumps generation, validates, stores.</summary>
    private JsonObject CommitUpdate(HttpContext http, Target target, JsonObject old, JsonObject updated, string manager, bool statusOnly, bool trackFields = true)
    {
        var type = target.Type;
        var rv = KubeObject.ResourceVersion(updated);
        if (rv is { Length: > 0 } && rv != KubeObject.ResourceVersion(old))
        {
            throw KubeStatus.Conflict(type, KubeObject.Name(old));
        }

        JsonObject next;
        if (statusOnly)
        {
            next = (JsonObject)old.DeepClone();
            next["status"] = updated["status"]?.DeepClone();
        }
        else
        {
            next = updated;
            next["status"] = old["status"]?.DeepClone();
            var meta = KubeObject.Metadata(next);
            var oldMeta = KubeObject.Metadata(old);
            foreach (var k in new[] { "uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds" })
            {
                if (oldMeta[k] is { } v)
                {
                    meta[k] = v.DeepClone();
                }
                else
                {
                    meta.Remove(k);
                }
            }

            meta["name"] = KubeObject.Name(old);
            if (type.Namespaced)
            {
                meta["namespace"] = KubeObject.Namespace(old);
            }

            if (type == KubeResourceType.Services)
            {
                var spec = KubeObject.Child(next, "spec");
                var oldSpec = KubeObject.Obj(old, "spec");
                spec["clusterIP"] ??= oldSpec?["clusterIP"]?.DeepClone();
                spec["clusterIPs"] ??= oldSpec?["clusterIPs"]?.DeepClone();
            }

            KubeAdmission.Default(type, next);
            KubeAdmission.Validate(type, next, old);
            if (type.HasGeneration && !JsonNode.DeepEquals(old["spec"], next["spec"]))
            {
                meta["generation"] = KubeObject.Generation(old) + 1;
            }

            if (trackFields)
            {
                KubeFieldManager.RecordUpdate(type, old, next, manager, Now);
            }
        }

        KubeObject.Metadata(next)["resourceVersion"] = KubeObject.ResourceVersion(old);
        if (DryRun(http) || JsonNode.DeepEquals(old, next))
        {
            return next;
        }

        return store.Put(type, next);
    }

    private async Task ReplaceAsync(HttpContext http, Target target)
    {
        var type = target.Type;
        var o = await ReadObjectAsync(http, type);
        CheckIdentity(target, o);
        JsonObject result;
        lock (store.Gate)
        {
            var old = store.Get(type, target.Namespace, target.Name!) ?? throw KubeStatus.NotFound(type, target.Name!);
            result = CommitUpdate(http, target, old, o, Manager(http, "unknown"), target.Subresource == "status");
        }

        await WriteObjectAsync(http, type, result, 200);
    }

    private async Task PatchAsync(HttpContext http, Target target)
    {
        var type = target.Type;
        var contentType = (http.Request.ContentType ?? string.Empty).Split(';')[0].Trim();
        var body = await ReadBodyAsync(http);
        var name = target.Name!;
        var dryRun = DryRun(http);
        var status = 200;
        JsonObject result;
        if (contentType == "application/apply-patch+yaml")
        {
            var manager = http.Request.Query["fieldManager"].ToString();
            if (manager.Length == 0)
            {
                throw KubeStatus.BadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
            }

            if (KubeYaml.Parse(body) is not JsonObject applied)
            {
                throw KubeStatus.BadRequest("error decoding YAML: the apply configuration is not an object");
            }

            if (KubeObject.Str(applied, "apiVersion") is null || KubeObject.Str(applied, "kind") is null)
            {
                throw KubeStatus.BadRequest("invalid object type: /, Kind=");
            }

            CheckTypeMeta(type, applied);
            CheckIdentity(target, applied);
            var force = IsTrue(http.Request.Query["force"]);
            lock (store.Gate)
            {
                var live = store.Get(type, target.Namespace, name);
                if (live is null)
                {
                    if (target.Subresource is not null)
                    {
                        throw KubeStatus.NotFound(type, name);
                    }

                    RequireNamespace(target.Namespace);
                    var created = PrepareCreate(target, (JsonObject)applied.DeepClone(), manager, apply: false);
                    var tracked = KubeFieldManager.Apply(type, null, applied, manager, force, Now);
                    KubeObject.Metadata(created)["managedFields"] = KubeObject.Metadata(tracked)["managedFields"]?.DeepClone();
                    result = dryRun ? created : store.Put(type, created);
                    status = 201;
                }
                else
                {
                    var merged = KubeFieldManager.Apply(type, live, applied, manager, force, Now);
                    KubeObject.Metadata(merged).Remove("resourceVersion");
                    if (KubeObject.ResourceVersion(applied) is { Length: > 0 } arv && arv != KubeObject.ResourceVersion(live))
                    {
                        throw KubeStatus.Conflict(type, name);
                    }

                    result = CommitUpdate(http, target, live, merged, manager, target.Subresource == "status", trackFields: false);
                }
            }

            await WriteObjectAsync(http, type, result, status);
            return;
        }

        lock (store.Gate)
        {
            var live = store.Get(type, target.Namespace, name) ?? throw KubeStatus.NotFound(type, name);
            JsonNode patched = contentType switch
            {
                "application/merge-patch+json" => KubePatch.MergePatch(live, KubePatch.ParseJson(body)) ?? new JsonObject(),
                "application/strategic-merge-patch+json" => KubePatch.ParseJson(body) is JsonObject p
                    ? KubePatch.StrategicMergePatch(type, live, p)
                    : throw KubeStatus.BadRequest("error decoding patch: a strategic merge patch must be an object"),
                "application/json-patch+json" => KubePatch.ParseJson(body) is JsonArray ops
                    ? KubePatch.JsonPatch(live, ops)
                    : throw KubeStatus.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
                _ => throw KubeStatus.UnsupportedMediaType(contentType),
            };
            if (patched is not JsonObject po)
            {
                throw KubeStatus.BadRequest("the patch produced something that is not an object");
            }

            CheckTypeMeta(type, po);
            KubeFieldValidation.Check(http, type, po, string.Empty);
            if (KubeObject.Name(po) != name)
            {
                throw KubeStatus.BadRequest($"the name of the object ({KubeObject.Name(po)}) does not match the name on the URL ({name})");
            }

            // A patch that does not name a resourceVersion is unconditional: compare against the live one.
            var patchedRv = KubeObject.ResourceVersion(po);
            if (patchedRv != KubeObject.ResourceVersion(live))
            {
                throw KubeStatus.Conflict(type, name);
            }

            result = CommitUpdate(http, target, live, po, Manager(http, "unknown"), target.Subresource == "status");
        }

        await WriteObjectAsync(http, type, result, 200);
    }

    private async Task ScaleAsync(HttpContext http, Target target)
    {
        var type = target.Type;
        var name = target.Name!;
        JsonObject Scale(JsonObject o) => new()
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = target.Namespace,
                ["uid"] = KubeObject.Uid(o),
                ["resourceVersion"] = KubeObject.ResourceVersion(o),
                ["creationTimestamp"] = KubeObject.Str(KubeObject.Obj(o, "metadata"), "creationTimestamp"),
            },
            ["spec"] = new JsonObject { ["replicas"] = KubeObject.Long(KubeObject.Obj(o, "spec"), "replicas") ?? 0 },
            ["status"] = new JsonObject
            {
                ["replicas"] = KubeObject.Long(KubeObject.Obj(o, "status"), "replicas") ?? 0,
                ["selector"] = KubeSelectors.Format(KubeObject.Obj(o, "spec", "selector")),
            },
        };

        if (HttpMethods.IsGet(http.Request.Method))
        {
            var o = store.Get(type, target.Namespace, name) ?? throw KubeStatus.NotFound(type, name);
            await WriteJsonAsync(http, Scale(o));
            return;
        }

        var body = await ReadBodyAsync(http);
        var contentType = (http.Request.ContentType ?? string.Empty).Split(';')[0].Trim();
        JsonObject result;
        lock (store.Gate)
        {
            var live = store.Get(type, target.Namespace, name) ?? throw KubeStatus.NotFound(type, name);
            var current = Scale(live);
            JsonNode? next = HttpMethods.IsPut(http.Request.Method) ? KubePatch.ParseJson(body)
                : contentType == "application/json-patch+json" && KubePatch.ParseJson(body) is JsonArray ops ? KubePatch.JsonPatch(current, ops)
                : contentType == "application/apply-patch+yaml" ? KubePatch.MergePatch(current, KubeYaml.Parse(body))
                : KubePatch.MergePatch(current, KubePatch.ParseJson(body));
            var replicas = KubeObject.Long(KubeObject.Obj(next as JsonObject, "spec"), "replicas");
            if (replicas is null or < 0)
            {
                throw new KubeStatusException(422, "Invalid", $"Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: {replicas ?? -1}: must be greater than or equal to 0", new JsonObject { ["name"] = name, ["group"] = "autoscaling", ["kind"] = "Scale" });
            }

            var updated = (JsonObject)live.DeepClone();
            KubeObject.Child(updated, "spec")["replicas"] = replicas;
            updated = CommitUpdate(http, target with { Subresource = null }, live, updated, Manager(http, "unknown"), statusOnly: false);
            result = Scale(updated);
        }

        await WriteJsonAsync(http, result);
    }

    private async Task<string?> PropagationAsync(HttpContext http)
    {
        var policy = http.Request.Query["propagationPolicy"].ToString();
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            var body = await ReadBodyAsync(http);
            if (body.Trim().Length > 0 && KubePatch.ParseJson(body) is JsonObject options)
            {
                policy = KubeObject.Str(options, "propagationPolicy") ?? policy;
                if (KubeObject.Bool(options, "orphanDependents") == true)
                {
                    policy = "Orphan";
                }

                if (options["dryRun"] is JsonArray dr && dr.Any(d => d?.GetValue<string>() == "All"))
                {
                    http.Items["dryRun"] = true;
                }
            }
        }

        return policy.Length == 0 ? null : policy;
    }

    private async Task DeleteAsync(HttpContext http, Target target)
    {
        var type = target.Type;
        var name = target.Name!;
        var policy = await PropagationAsync(http);
        var dryRun = DryRun(http) || http.Items.ContainsKey("dryRun");
        if (policy is not (null or "Foreground" or "Background" or "Orphan"))
        {
            throw new KubeStatusException(422, "Invalid", $"DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
        }

        JsonObject response;
        var code = 200;
        lock (store.Gate)
        {
            var live = store.Get(type, target.Namespace, name) ?? throw KubeStatus.NotFound(type, name);
            if (type == KubeResourceType.Namespaces)
            {
                if (name is "default" or "kube-system" or "kube-public")
                {
                    throw new KubeStatusException(403, "Forbidden", $"namespaces \"{name}\" is forbidden: this namespace may not be deleted", new JsonObject { ["name"] = name, ["kind"] = "namespaces" });
                }

                KubeObject.Metadata(live)["deletionTimestamp"] ??= KubeObject.Timestamp(Now);
                KubeObject.Child(live, "status")["phase"] = "Terminating";
                response = dryRun ? live : store.Put(type, live);
            }
            else if (dryRun)
            {
                response = live;
            }
            else if (policy == "Foreground" && HasDependents(KubeObject.Uid(live)!))
            {
                controller.MarkForeground(type, live);
                response = store.Get(type, target.Namespace, name) ?? live;
            }
            else
            {
                if (policy == "Orphan")
                {
                    Orphan(KubeObject.Uid(live)!);
                }

                store.Remove(type, target.Namespace, name);
                response = type == KubeResourceType.Pods ? live : KubeStatus.Success(type, name, KubeObject.Uid(live)!);
            }
        }

        if (KubeObject.Str(response, "kind") == "Status")
        {
            await WriteJsonAsync(http, response, code);
        }
        else
        {
            await WriteObjectAsync(http, type, response, code);
        }
    }

    private bool HasDependents(string uid) =>
        KubeResourceType.All.Any(t => store.List(t).Any(o => KubeObject.IsOwnedBy(o, uid, controllerOnly: false)));

    private void Orphan(string uid)
    {
        foreach (var t in KubeResourceType.All)
        {
            foreach (var o in store.List(t).Where(o => KubeObject.IsOwnedBy(o, uid, controllerOnly: false)))
            {
                var refs = KubeObject.Arr(o, "metadata", "ownerReferences")!;
                var kept = new JsonArray(refs.OfType<JsonObject>().Where(r => KubeObject.Str(r, "uid") != uid).Select(r => (JsonNode)r.DeepClone()).ToArray());
                if (kept.Count == 0)
                {
                    KubeObject.Metadata(o).Remove("ownerReferences");
                }
                else
                {
                    KubeObject.Metadata(o)["ownerReferences"] = kept;
                }

                store.Put(t, o);
            }
        }
    }

    private async Task DeleteCollectionAsync(HttpContext http, Target target)
    {
        var type = target.Type;
        var filter = Filter(http);
        var policy = await PropagationAsync(http);
        var dryRun = DryRun(http) || http.Items.ContainsKey("dryRun");
        var deleted = new JsonArray();
        lock (store.Gate)
        {
            foreach (var o in store.List(type, target.Namespace).Where(filter))
            {
                if (type == KubeResourceType.Namespaces && KubeObject.Name(o) is "default" or "kube-system" or "kube-public")
                {
                    continue;
                }

                if (!dryRun)
                {
                    if (policy == "Orphan")
                    {
                        Orphan(KubeObject.Uid(o)!);
                    }

                    store.Remove(type, target.Namespace ?? KubeObject.Namespace(o), KubeObject.Name(o));
                }

                o.Remove("apiVersion");
                o.Remove("kind");
                deleted.Add(o);
            }
        }

        await WriteJsonAsync(http, new JsonObject
        {
            ["kind"] = type.Kind + "List",
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = store.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        });
    }

    /// <summary>Seeds what every cluster has: the namespaces, a node, the <c>kubernetes</c> service.</summary>
    public void Seed(int serverPort)
    {
        lock (store.Gate)
        {
            if (store.Get(KubeResourceType.Namespaces, null, "default") is not null)
            {
                return;
            }

            foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
            {
                var o = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } };
                store.Put(KubeResourceType.Namespaces, PrepareCreate(new Target(KubeResourceType.Namespaces, null, null, null, false), o, "kube-apiserver", apply: false));
            }

            var node = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Node",
                ["metadata"] = new JsonObject
                {
                    ["name"] = "sandbox-node-1",
                    ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = "sandbox-node-1", ["kubernetes.io/os"] = "linux", ["node-role.kubernetes.io/control-plane"] = string.Empty },
                },
                ["spec"] = new JsonObject { ["podCIDR"] = "10.244.0.0/24" },
                ["status"] = new JsonObject
                {
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady", ["message"] = "kubelet is posting ready status" }),
                    ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = "10.0.0.10" }, new JsonObject { ["type"] = "Hostname", ["address"] = "sandbox-node-1" }),
                    ["nodeInfo"] = new JsonObject { ["kubeletVersion"] = options.ServerVersion, ["containerRuntimeVersion"] = "containerd://1.7.24", ["operatingSystem"] = "linux", ["architecture"] = "amd64" },
                },
            };
            KubeObject.Metadata(node)["uid"] = Guid.NewGuid().ToString();
            KubeObject.Metadata(node)["creationTimestamp"] = KubeObject.Timestamp(Now);
            store.Put(KubeResourceType.Nodes, node);

            var svc = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Service",
                ["metadata"] = new JsonObject { ["name"] = "kubernetes", ["namespace"] = "default", ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" } },
                ["spec"] = new JsonObject
                {
                    ["clusterIP"] = "10.96.0.1",
                    ["clusterIPs"] = new JsonArray("10.96.0.1"),
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = serverPort }),
                },
            };
            store.Put(KubeResourceType.Services, PrepareCreate(new Target(KubeResourceType.Services, "default", null, null, false), svc, "kube-apiserver", apply: false));
        }
    }
}
