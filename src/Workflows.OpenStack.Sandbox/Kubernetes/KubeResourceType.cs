namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>A resource the sandbox serves, with what discovery says about it.</summary>
/// <param name="Group">The API group ("" for the core group).</param>
/// <param name="Version">The version, e.g. <c>v1</c>.</param>
/// <param name="Kind">The kind, e.g. <c>Deployment</c>.</param>
/// <param name="Plural">The resource name in URLs, e.g. <c>deployments</c>.</param>
/// <param name="Namespaced">Whether objects live in a namespace.</param>
/// <param name="ShortNames">Short names kubectl accepts (<c>deploy</c>).</param>
/// <param name="Subresources">Subresources served (<c>status</c>, <c>scale</c>).</param>
/// <param name="HasGeneration">Whether spec changes bump <c>metadata.generation</c>.</param>
internal sealed record KubeResourceType(
    string Group,
    string Version,
    string Kind,
    string Plural,
    bool Namespaced,
    string[] ShortNames,
    string[] Subresources,
    bool HasGeneration)
{
    public static readonly KubeResourceType Namespaces = new(string.Empty, "v1", "Namespace", "namespaces", false, ["ns"], ["status", "finalize"], false);
    public static readonly KubeResourceType Pods = new(string.Empty, "v1", "Pod", "pods", true, ["po"], ["status", "log"], false);
    public static readonly KubeResourceType Services = new(string.Empty, "v1", "Service", "services", true, ["svc"], ["status"], false);
    public static readonly KubeResourceType ConfigMaps = new(string.Empty, "v1", "ConfigMap", "configmaps", true, ["cm"], [], false);
    public static readonly KubeResourceType Secrets = new(string.Empty, "v1", "Secret", "secrets", true, [], [], false);
    public static readonly KubeResourceType Events = new(string.Empty, "v1", "Event", "events", true, ["ev"], [], false);
    public static readonly KubeResourceType Nodes = new(string.Empty, "v1", "Node", "nodes", false, ["no"], ["status"], false);
    public static readonly KubeResourceType Deployments = new("apps", "v1", "Deployment", "deployments", true, ["deploy"], ["status", "scale"], true);
    public static readonly KubeResourceType ReplicaSets = new("apps", "v1", "ReplicaSet", "replicasets", true, ["rs"], ["status", "scale"], true);
    public static readonly KubeResourceType StatefulSets = new("apps", "v1", "StatefulSet", "statefulsets", true, ["sts"], ["status", "scale"], true);
    public static readonly KubeResourceType DaemonSets = new("apps", "v1", "DaemonSet", "daemonsets", true, ["ds"], ["status"], true);

    /// <summary>Gets every served resource.</summary>
    public static IReadOnlyList<KubeResourceType> All { get; } = [Namespaces, Pods, Services, ConfigMaps, Secrets, Events, Nodes, Deployments, ReplicaSets, StatefulSets, DaemonSets];

    /// <summary>Gets the <c>apiVersion</c> of objects, e.g. <c>apps/v1</c>.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Gets the singular name (lower-case kind).</summary>
    public string Singular => Kind.ToLowerInvariant();

    /// <summary>Gets the name used in messages, e.g. <c>deployments.apps</c> or <c>pods</c>.</summary>
    public string Qualified => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>Gets the kind used in Invalid messages, e.g. <c>Deployment.apps</c> or <c>Pod</c>.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    /// <summary>Gets whether the kind appears in <c>kubectl get all</c>.</summary>
    public bool InCategoryAll => this == Pods || this == Services || this == Deployments || this == ReplicaSets || this == StatefulSets || this == DaemonSets;

    /// <summary>Gets whether objects of the kind carry a pod template (and so a selector that must match it).</summary>
    public bool HasPodTemplate => this == Deployments || this == ReplicaSets || this == StatefulSets || this == DaemonSets;

    /// <summary>Gets whether kubectl can create, update and patch it (events and nodes too; they are plain stores here).</summary>
    public bool HasStatus => Subresources.Contains("status");

    public static KubeResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);
}
