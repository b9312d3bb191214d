namespace Workflows.OpenStack.Acceptance.Tests.Testing;

/// <summary>
/// Which real cloud the suite runs against, read from the environment: the cloud of a member user
/// (WORKFLOWS_ACCEPTANCE_CLOUD, else OS_CLOUD), an admin cloud for quota/project/revocation scenarios
/// (WORKFLOWS_ACCEPTANCE_ADMIN_CLOUD), and the names of the objects the scenarios use.
/// clouds.yaml is found the openstacksdk way (OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack, /etc/openstack).
/// </summary>
public sealed class AcceptanceSettings
{
    public const string HowToRun =
        "Start the OpenStack peer with `bash .ci/services/openstack-peer.sh start` (it appends OS_CLIENT_CONFIG_FILE, " +
        "WORKFLOWS_ACCEPTANCE_CLOUD and WORKFLOWS_ACCEPTANCE_ADMIN_CLOUD to $WF_TEST_ENV), or point WORKFLOWS_ACCEPTANCE_CLOUD " +
        "(or OS_CLOUD) and WORKFLOWS_ACCEPTANCE_ADMIN_CLOUD at clouds of your own clouds.yaml (e.g. a DevStack's `demo` and `admin`).";

    public static AcceptanceSettings Current { get; } = new(Environment.GetEnvironmentVariable);

    public AcceptanceSettings(Func<string, string?> env)
    {
        string? Get(string name) => env(name) is { Length: > 0 } v ? v : null;
        Cloud = Get("WORKFLOWS_ACCEPTANCE_CLOUD") ?? Get("OS_CLOUD");
        AdminCloud = Get("WORKFLOWS_ACCEPTANCE_ADMIN_CLOUD");
        AllowSkip = Get("WORKFLOWS_TEST_ALLOW_SKIP") == "1";
        Image = Get("WORKFLOWS_ACCEPTANCE_IMAGE") ?? "cirros";
        Flavor = Get("WORKFLOWS_ACCEPTANCE_FLAVOR") ?? "m1.tiny";
        Network = Get("WORKFLOWS_ACCEPTANCE_NETWORK") ?? "private";
        ExternalNetwork = Get("WORKFLOWS_ACCEPTANCE_EXTERNAL_NETWORK") ?? "public";
        MagnumImage = Get("WORKFLOWS_ACCEPTANCE_MAGNUM_IMAGE") ?? "fedora-coreos";
        MagnumFlavor = Get("WORKFLOWS_ACCEPTANCE_MAGNUM_FLAVOR") ?? "m1.small";
    }

    /// <summary>Gets the member user's cloud, or null when none is configured.</summary>
    public string? Cloud { get; }

    /// <summary>Gets the admin cloud, or null.</summary>
    public string? AdminCloud { get; }

    public bool AllowSkip { get; }

    public string Image { get; }

    public string Flavor { get; }

    public string Network { get; }

    public string ExternalNetwork { get; }

    public string MagnumImage { get; }

    public string MagnumFlavor { get; }

    public bool IsConfigured => Cloud is not null && AdminCloud is not null;

    public string NotConfiguredMessage =>
        $"The OpenStack acceptance suite did NOT run: {(Cloud is null ? "WORKFLOWS_ACCEPTANCE_CLOUD (or OS_CLOUD)" : "WORKFLOWS_ACCEPTANCE_ADMIN_CLOUD")} is not set. {HowToRun}";
}

/// <summary>A scenario against the real cloud; skipped (with the reason) when no cloud is configured, which the gate test reports as a failure.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AcceptanceFactAttribute : FactAttribute
{
    public AcceptanceFactAttribute()
    {
        if (!AcceptanceSettings.Current.IsConfigured)
        {
            Skip = AcceptanceSettings.Current.NotConfiguredMessage;
        }
    }
}

/// <summary>The gate: runs (and fails) when no cloud is configured, unless WORKFLOWS_TEST_ALLOW_SKIP=1 makes it a visible skip.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AcceptanceGateFactAttribute : FactAttribute
{
    public AcceptanceGateFactAttribute()
    {
        if (!AcceptanceSettings.Current.IsConfigured && AcceptanceSettings.Current.AllowSkip)
        {
            Skip = AcceptanceSettings.Current.NotConfiguredMessage;
        }
    }
}
