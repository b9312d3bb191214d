namespace Workflows.OpenStack;

/// <summary>Options of the OpenStack integration, bound from the <c>OpenStack</c> configuration section.</summary>
public sealed class OpenStackOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "OpenStack";

    /// <summary>
    /// Gets or sets an explicit clouds.yaml path. Default is null: the openstacksdk search path
    /// (OS_CLIENT_CONFIG_FILE, the current folder, the shell's folder $PWD, ~/.config/openstack, /etc/openstack).
    /// </summary>
    public string? CloudsFile { get; set; }

    /// <summary>Gets or sets whether clouds.yaml files on the search path are read. Default is true.</summary>
    public bool UseCloudsYamlSearchPath { get; set; } = true;

    /// <summary>Gets or sets whether plain OS_* variables define a cloud named <c>envvars</c>. Default is true.</summary>
    public bool UseEnvironmentVariables { get; set; } = true;

    /// <summary>
    /// Gets or sets the file where clouds registered at run time (e.g. a new DevStack) are kept, with mode 600,
    /// when no other <see cref="Configuration.IRegisteredCloudStore"/> is registered (the server keeps them in its
    /// database and imports this file once). Default is <c>~/.local/share/workflows/registered-clouds.json</c>.
    /// </summary>
    public string RegisteredCloudsFile { get; set; } = Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify),
        "workflows",
        "registered-clouds.json");

    /// <summary>Gets or sets the endpoint interface used when a cloud does not set one. Default is <c>public</c>.</summary>
    public string Interface { get; set; } = "public";

    /// <summary>Gets or sets the Nova microversion sent with every compute call. Default is <c>2.79</c> (tags on create, embedded flavors).</summary>
    public string ComputeMicroversion { get; set; } = "2.79";

    /// <summary>Gets or sets the Magnum microversion sent with every container-infra call. Default is <c>1.10</c>.</summary>
    public string ContainerInfraMicroversion { get; set; } = "1.10";

    /// <summary>Gets or sets how long before its expiry a cached token is renewed. Default is 5 minutes.</summary>
    public TimeSpan TokenRenewBefore { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the timeout of one HTTP attempt. Default is 30 seconds.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the timeout of one call over all its retries. Default is 2 minutes.</summary>
    public TimeSpan TotalRequestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets how many times a call is retried on 5xx, 429 or a connection error. Default is 3.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Gets or sets the first retry delay (exponential backoff with jitter; Retry-After wins). Default is 1 second.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets a first delay between polls of a server or cluster that replaces the steps' poll
    /// schedules (later polls grow 1.5× up to <see cref="MaxPollInterval"/>), for clouds that must be
    /// polled more gently than a workflow's <c>poll:</c> says. Default is null: each step's schedule
    /// (servers 1 s doubling to 10 s, clusters 5 s growing to 15 s, unless the step sets <c>poll:</c>).
    /// </summary>
    public TimeSpan? PollInterval { get; set; }

    /// <summary>Gets or sets the longest delay between polls when <see cref="PollInterval"/> is set. Default is 1 minute.</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMinutes(1);
}
