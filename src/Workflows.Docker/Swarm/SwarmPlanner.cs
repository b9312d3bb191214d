using System.Globalization;
using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;

namespace Workflows.Docker.Swarm;

/// <summary>
/// What the plans of <c>docker.service.deploy</c> and <c>docker.stack.deploy</c> share: the endpoint checks, a
/// service's live spec against the one a step would deploy (as a diff), and whether an image is on the engine.
/// Read-only: only GET calls (<c>/info</c>, <c>/services</c>, <c>/networks</c>, <c>/images/{name}/json</c>).
/// </summary>
public static partial class SwarmPlanner
{
    /// <summary>The text a sensitive value shows as, before and after.</summary>
    public const string Sensitive = "(sensitive value)";

    /// <summary>The kind of a Swarm service in plans and in the ledger.</summary>
    public const string ServiceKind = "docker.service";

    /// <summary>The kind of a Docker network in plans and in the ledger.</summary>
    public const string NetworkKind = "docker.network";

    /// <summary>
    /// Checks that the engine answers and is an active swarm manager; records the check.
    /// </summary>
    /// <returns>Whether the step can be planned further on this engine.</returns>
    public static async Task<bool> CheckManagerAsync(IDockerClient client, DockerEndpoint endpoint, StepPlanBuilder plan, CancellationToken cancellationToken)
    {
        SystemInfoResponse info;
        try
        {
            info = await client.System.GetSystemInfoAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            plan.Error("engine", "with.host", DockerErrors.Translate(e, endpoint, "Reading the engine's info").Message);
            return false;
        }

        if (info.Swarm is not { LocalNodeState: "active", ControlAvailable: true })
        {
            plan.Error("swarm", "with.host", $"the Docker engine at {endpoint} is not a swarm manager (swarm state: {info.Swarm?.LocalNodeState ?? "unknown"}); point host at a manager node or run 'docker swarm init'");
            return false;
        }

        plan.Passed("engine", string.Create(CultureInfo.InvariantCulture, $"{endpoint}: Docker {info.ServerVersion}, swarm manager ({info.Swarm.Nodes} node(s))"));
        return true;
    }

    /// <summary>
    /// Plans one service: <c>create</c> when no service has its name, nothing to do when the live service already has
    /// this spec (the same spec hash the deploy compares), else an update with the attributes that change.
    /// </summary>
    /// <param name="client">The engine.</param>
    /// <param name="spec">The spec the step would deploy, as <see cref="ServiceSpecBuilder"/> or the stack's builder makes it (without workflow labels).</param>
    /// <param name="plan">Where the resource and checks go.</param>
    /// <param name="field">The input the service comes from (<c>with.name</c>, <c>with.compose</c>).</param>
    /// <param name="networks">Network ids by name and names by id, to show networks by name.</param>
    /// <param name="cancellationToken">The plan's token.</param>
    /// <returns>What happens to the service.</returns>
    public static async Task<PlanAction> PlanServiceAsync(IDockerClient client, ServiceSpec spec, StepPlanBuilder plan, string field, NetworkNames networks, CancellationToken cancellationToken)
    {
        var hash = WorkflowLabels.Hash(spec);
        var after = Describe(spec, networks);
        var shown = Mask(after);
        var existing = await SwarmRollout.FindServiceAsync(client, spec.Name, cancellationToken);
        if (existing is null)
        {
            plan.Passed($"service {spec.Name}", "no service has this name: it is created");
            plan.Resource(ServiceKind, spec.Name, PlanAction.Create, shown);
            return PlanAction.Create;
        }

        var version = existing.Version?.Index.ToString(CultureInfo.InvariantCulture) ?? "?";
        if (existing.Spec.Labels.Label(WorkflowLabels.SpecHash) == hash)
        {
            plan.Passed($"service {spec.Name}", $"{SwarmRollout.Short(existing.ID)} (version {version}) already has this spec: nothing to do");
            plan.Resource(ServiceKind, spec.Name, PlanAction.NoChange, shown);
            return PlanAction.NoChange;
        }

        var before = Describe(existing.Spec, networks);
        var changes = Diff(before, after);
        if (existing.Spec.Labels.Label(WorkflowLabels.SpecHash) is null)
        {
            plan.Warning($"service {spec.Name}", field, $"service {spec.Name} ({SwarmRollout.Short(existing.ID)}) was not deployed by Workflows: the step takes it over and replaces its whole spec");
        }
        else
        {
            plan.Passed($"service {spec.Name}", $"{SwarmRollout.Short(existing.ID)} (version {version}) was deployed by run {existing.Spec.Labels.Label(WorkflowLabels.RunId) ?? "?"}: it is updated");
        }

        if (changes.Count == 0)
        {
            // The hash covers settings the diff does not list (update timings, health checks, labels of tasks…).
            changes = [new PlanChange("spec", "(other settings)", "(changed settings not listed above)")];
        }

        plan.Resource(ServiceKind, spec.Name, PlanAction.Update, shown, changes);
        return PlanAction.Update;
    }

    /// <summary>
    /// Checks whether the image is on the engine. A missing image is a warning: Swarm pulls it on the nodes that run
    /// the tasks, and whether the registry has it (and lets these nodes pull it) cannot be told without pulling.
    /// </summary>
    public static async Task CheckImageAsync(IDockerClient client, DockerEndpoint endpoint, string image, StepPlanBuilder plan, string field, CancellationToken cancellationToken)
    {
        try
        {
            var found = await client.Images.InspectImageAsync(image, cancellationToken);
            plan.Passed($"image {image}", $"present on {endpoint} ({SwarmRollout.Short(found.ID.Replace("sha256:", string.Empty, StringComparison.Ordinal))})");
        }
        catch (DockerImageNotFoundException)
        {
            plan.Warning($"image {image}", field, $"image {image} is not on {endpoint}: the nodes that run the tasks pull it; whether its registry has it and can be reached is not known until then");
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            plan.Warning($"image {image}", field, $"image {image} is not on {endpoint}: the nodes that run the tasks pull it; whether its registry has it and can be reached is not known until then");
        }
    }

    /// <summary>Reads the engine's networks, to show a service's networks by name.</summary>
    public static async Task<NetworkNames> ReadNetworksAsync(IDockerClient client, CancellationToken cancellationToken)
    {
        var list = await client.Networks.ListNetworksAsync(new NetworksListParameters(), cancellationToken);
        return new NetworkNames(list.ToDictionary(n => n.ID, n => n.Name, StringComparer.Ordinal));
    }

    /// <summary>
    /// The attributes of a spec: image, replicas, command, env, ports, networks, mounts, constraints, resources,
    /// labels (not the workflow's own) and the update policy. Values are as they are: <see cref="Mask"/> them before showing.
    /// </summary>
    public static Dictionary<string, string> Describe(ServiceSpec spec, NetworkNames networks)
    {
        var a = new Dictionary<string, string>(StringComparer.Ordinal);
        var container = spec.TaskTemplate?.ContainerSpec;
        if (container?.Image is { } image)
        {
            a["image"] = image;
        }

        if (spec.Mode?.Replicated is { } replicated)
        {
            a["replicas"] = (replicated.Replicas ?? 1).ToString(CultureInfo.InvariantCulture);
        }
        else if (spec.Mode?.Global is not null)
        {
            a["mode"] = "global";
        }

        if (container?.Command is { Count: > 0 } command)
        {
            a["command"] = string.Join(' ', command);
        }

        if (container?.Args is { Count: > 0 } args)
        {
            a["args"] = string.Join(' ', args);
        }

        foreach (var entry in container?.Env ?? [])
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? entry : entry[..eq];
            a[$"env.{key}"] = eq < 0 ? string.Empty : entry[(eq + 1)..];
        }

        foreach (var p in spec.EndpointSpec?.Ports ?? [])
        {
            a[string.Create(CultureInfo.InvariantCulture, $"ports.{p.TargetPort}/{p.Protocol ?? "tcp"}")] = p.PublishedPort == 0
                ? $"published by Swarm ({p.PublishMode ?? "ingress"})"
                : string.Create(CultureInfo.InvariantCulture, $"{p.PublishedPort} ({p.PublishMode ?? "ingress"})");
        }

        if (spec.TaskTemplate?.Networks is { Count: > 0 } nets)
        {
            a["networks"] = string.Join(", ", nets.Select(n => networks.NameOf(n.Target)).Order(StringComparer.Ordinal));
        }

        foreach (var m in container?.Mounts ?? [])
        {
            a[$"mounts.{m.Target}"] = $"{m.Type} {m.Source}{(m.ReadOnly ? " (read-only)" : string.Empty)}".Trim();
        }

        if (spec.TaskTemplate?.Placement?.Constraints is { Count: > 0 } constraints)
        {
            a["constraints"] = string.Join(", ", constraints.Order(StringComparer.Ordinal));
        }

        if (spec.TaskTemplate?.Resources is { } r)
        {
            Add(a, "limits.cpus", r.Limits?.NanoCPUs is > 0 and var lc ? (lc / 1e9).ToString("0.###", CultureInfo.InvariantCulture) : null);
            Add(a, "limits.memory", r.Limits?.MemoryBytes is > 0 and var lm ? Bytes(lm) : null);
            Add(a, "reservations.cpus", r.Reservations?.NanoCPUs is > 0 and var rc ? (rc / 1e9).ToString("0.###", CultureInfo.InvariantCulture) : null);
            Add(a, "reservations.memory", r.Reservations?.MemoryBytes is > 0 and var rm ? Bytes(rm) : null);
        }

        foreach (var (key, value) in spec.Labels ?? new Dictionary<string, string>())
        {
            if (!key.StartsWith("io.workflows.", StringComparison.Ordinal))
            {
                a[$"labels.{key}"] = value;
            }
        }

        if (spec.UpdateConfig is { } u)
        {
            a["update"] = string.Create(CultureInfo.InvariantCulture, $"parallelism {u.Parallelism}, {u.Order ?? "stop-first"}, on failure {u.FailureAction ?? "pause"}");
        }

        return a;
    }

    /// <summary>The description with the values of sensitive-looking env variables and labels shown as <see cref="Sensitive"/>.</summary>
    public static Dictionary<string, string> Mask(IReadOnlyDictionary<string, string> attributes) =>
        attributes.ToDictionary(kv => kv.Key, kv => IsSensitiveAttribute(kv.Key) ? Sensitive : kv.Value, StringComparer.Ordinal);

    /// <summary>
    /// The attributes that differ between two descriptions, by name, with sensitive values masked on both sides
    /// (a changed secret shows as <c>(sensitive value) -> (sensitive value)</c>).
    /// </summary>
    public static List<PlanChange> Diff(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after)
    {
        var changes = new List<PlanChange>();
        foreach (var key in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            var b = before.GetValueOrDefault(key);
            var a = after.GetValueOrDefault(key);
            if (key == "image" && b is not null && a is not null && StripDigest(b) == StripDigest(a))
            {
                continue; // The engine pins the digest it resolved: app:v1@sha256:… is still app:v1.
            }

            if (string.Equals(b, a, StringComparison.Ordinal))
            {
                continue;
            }

            var sensitive = IsSensitiveAttribute(key);
            changes.Add(new PlanChange(key, b is null ? null : sensitive ? Sensitive : b, a is null ? null : sensitive ? Sensitive : a));
        }

        return changes;
    }

    /// <summary>Whether a variable or label name looks like it holds a secret (password, token, key…): its value is masked.</summary>
    public static bool IsSensitive(string name) => SensitiveName().IsMatch(name);

    private static bool IsSensitiveAttribute(string key) =>
        (key.StartsWith("env.", StringComparison.Ordinal) || key.StartsWith("labels.", StringComparison.Ordinal)) && IsSensitive(key[(key.IndexOf('.', StringComparison.Ordinal) + 1)..]);

    private static string StripDigest(string image) => image.IndexOf('@', StringComparison.Ordinal) is > 0 and var at ? image[..at] : image;

    private static void Add(Dictionary<string, string> a, string key, string? value)
    {
        if (value is not null)
        {
            a[key] = value;
        }
    }

    private static string Bytes(long bytes) => bytes % (1024 * 1024) == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");

    [GeneratedRegex("PASS|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SensitiveName();
}

/// <summary>The engine's network names by id (a live spec names its networks by id).</summary>
/// <param name="ById">Names by id.</param>
public sealed record NetworkNames(IReadOnlyDictionary<string, string> ById)
{
    /// <summary>No networks known: ids are shown as they are.</summary>
    public static NetworkNames None { get; } = new(new Dictionary<string, string>());

    /// <summary>Returns the name of a network given by id or name.</summary>
    public string NameOf(string idOrName) => ById.TryGetValue(idOrName, out var name) ? name : idOrName;
}
