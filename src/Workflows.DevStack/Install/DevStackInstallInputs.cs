using System.Text.Json.Serialization;
using Workflows.Abstractions.Secrets;

namespace Workflows.DevStack.Install;

/// <summary>The <c>with:</c> inputs of <c>devstack.install</c>.</summary>
public sealed class DevStackInstallInputs
{
    /// <summary>The literal host name that selects the simulated sandbox installation.</summary>
    public const string SandboxHost = "sandbox";

    /// <summary>Gets or sets the host to install on, or <c>sandbox</c> for a clearly labelled simulation that touches no host.</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>Gets or sets the SSH port. Default is 22.</summary>
    public int Port { get; set; } = 22;

    /// <summary>Gets or sets the SSH login user (needs sudo). Default is <c>ubuntu</c>.</summary>
    public string User { get; set; } = "ubuntu";

    /// <summary>Gets or sets the SSH private key (OpenSSH or PEM text).</summary>
    public Secret? PrivateKey { get; set; }

    /// <summary>Gets or sets the private key's passphrase, if it has one.</summary>
    public Secret? PrivateKeyPassphrase { get; set; }

    /// <summary>Gets or sets the SSH password, for password authentication instead of (or besides) a key.</summary>
    public Secret? Password { get; set; }

    /// <summary>Gets or sets the pinned host key fingerprint (<c>SHA256:…</c>, as <c>ssh-keygen -l</c> prints it). When absent, the key is trusted on first use and recorded in the audit.</summary>
    public string? HostKeyFingerprint { get; set; }

    /// <summary>Gets or sets the devstack repository (a mirror works). Default is https://opendev.org/openstack/devstack.</summary>
    public string RepositoryUrl { get; set; } = "https://opendev.org/openstack/devstack";

    /// <summary>Gets or sets the branch or tag. Default is <c>stable/2025.1</c>.</summary>
    public string Branch { get; set; } = "stable/2025.1";

    /// <summary>Gets or sets HOST_IP; when absent devstack detects it and the Keystone URL uses <see cref="Host"/>.</summary>
    public string? HostIp { get; set; }

    /// <summary>Gets or sets FLOATING_RANGE (CIDR), if any.</summary>
    public string? FloatingRange { get; set; }

    /// <summary>Gets or sets FIXED_RANGE (CIDR), if any.</summary>
    public string? FixedRange { get; set; }

    /// <summary>Gets or sets REGION_NAME. Default is <c>RegionOne</c>.</summary>
    public string Region { get; set; } = "RegionOne";

    /// <summary>Gets or sets ADMIN_PASSWORD (also used for the database, RabbitMQ and service users). Generated when absent, and kept across re-runs on the same host.</summary>
    public Secret? AdminPassword { get; set; }

    /// <summary>Gets or sets the devstack plugins: <c>name</c> (from opendev.org/openstack/name on <see cref="Branch"/>), <c>name url</c> or <c>name url branch</c>; a list or one comma-separated string.</summary>
    [JsonConverter(typeof(StringListConverter.CommaOrLine))]
    public List<string> Plugins { get; set => field = value ?? []; } = []; // an empty workflow input arrives as null

    /// <summary>Gets or sets extra local.conf lines (a list or one multi-line string), appended to the <c>[[local|localrc]]</c> section; a <c>[[post-config|…]]</c> line starts another section.</summary>
    [JsonConverter(typeof(StringListConverter.Line))]
    public List<string> ExtraLocalConf { get; set => field = value ?? []; } = [];

    /// <summary>Gets or sets the user that runs stack.sh (created with passwordless sudo when missing). Default is <c>stack</c>.</summary>
    public string StackUser { get; set; } = "stack";

    /// <summary>Gets or sets the stack user's home (devstack's DEST). Default is <c>/opt/stack</c>.</summary>
    public string StackHome { get; set; } = "/opt/stack";

    /// <summary>Gets or sets where devstack is checked out. Default is <c>{stackHome}/devstack</c>.</summary>
    public string? DevstackDir { get; set; }

    /// <summary>Gets or sets the name under which the new cloud is registered. Default is <c>devstack-{host}</c>.</summary>
    public string? CloudName { get; set; }

    /// <summary>
    /// Gets or sets the os-release file the preflight reads. Default is <c>/etc/os-release</c>.
    /// Only tests (which cannot change the OS of the machine they run on) set another path.
    /// </summary>
    public string OsReleasePath { get; set; } = "/etc/os-release";

    /// <summary>Treats empty optional inputs (what a form or an unset workflow input gives) as absent.</summary>
    internal void Normalize()
    {
        HostKeyFingerprint = Blank(HostKeyFingerprint);
        HostIp = Blank(HostIp);
        FloatingRange = Blank(FloatingRange);
        FixedRange = Blank(FixedRange);
        DevstackDir = Blank(DevstackDir);
        CloudName = Blank(CloudName);
        PrivateKey = Blank(PrivateKey);
        PrivateKeyPassphrase = Blank(PrivateKeyPassphrase);
        Password = Blank(Password);
        AdminPassword = Blank(AdminPassword);
    }

    /// <summary>Gets the devstack folder.</summary>
    internal string DevstackFolder => string.IsNullOrWhiteSpace(DevstackDir) ? StackHome.TrimEnd('/') + "/devstack" : DevstackDir.TrimEnd('/');

    /// <summary>Gets the cloud name.</summary>
    internal string EffectiveCloudName => string.IsNullOrWhiteSpace(CloudName) ? "devstack-" + Host.Replace('.', '-').Replace(':', '-') : CloudName;

    /// <summary>Gets whether this is the simulated sandbox install.</summary>
    internal bool IsSandbox => string.Equals(Host, SandboxHost, StringComparison.Ordinal);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Secret? Blank(Secret? value) => value is null || string.IsNullOrWhiteSpace(value.Reveal()) ? null : value;
}
