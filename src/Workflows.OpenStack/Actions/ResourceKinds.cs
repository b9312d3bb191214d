namespace Workflows.OpenStack.Actions;

/// <summary>The resource kinds the OpenStack actions record in the ledger.</summary>
public static class ResourceKinds
{
    /// <summary>A Nova server.</summary>
    public const string Server = "nova.server";

    /// <summary>A Neutron floating IP.</summary>
    public const string FloatingIp = "neutron.floatingip";

    /// <summary>A Magnum cluster.</summary>
    public const string Cluster = "magnum.cluster";

    /// <summary>A Magnum cluster template.</summary>
    public const string ClusterTemplate = "magnum.clustertemplate";
}
