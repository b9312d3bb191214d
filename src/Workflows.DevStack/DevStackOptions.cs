namespace Workflows.DevStack;

/// <summary>Settings of the DevStack actions, bound from the <c>DevStack</c> configuration section.</summary>
public sealed class DevStackOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "DevStack";

    /// <summary>Gets or sets how long to wait between polls of a running stack.sh. Default is 15 seconds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets the delay before the next poll when more log is waiting to be read. Default is 1 second.</summary>
    public TimeSpan CatchUpPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the SSH connect timeout. Default is 30 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long one short remote command (preflight, a poll) may take. Default is 60 seconds.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how long cloning or fetching the devstack repository may take. Default is 5 minutes.</summary>
    public TimeSpan CloneTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the most log bytes read per poll. Default is 256 KiB.</summary>
    public int MaxLogChunkBytes { get; set; } = 256 * 1024;

    /// <summary>Gets or sets the fewest CPUs the preflight accepts. Default is 2.</summary>
    public int MinCpus { get; set; } = 2;

    /// <summary>Gets or sets the least memory (MemTotal, MiB) the preflight accepts; a 4 GiB machine reports a little less. Default is 3600.</summary>
    public int MinMemoryMiB { get; set; } = 3600;

    /// <summary>Gets or sets the least free disk (GiB) under the stack user's home the preflight accepts. Default is 20.</summary>
    public int MinFreeDiskGiB { get; set; } = 20;

    /// <summary>
    /// Gets or sets the private key file (OpenSSH or PEM, without a passphrase) the server uses to reach a DevStack host when
    /// none is given: the Resources page's Delete (a <c>devstack.unstack</c> step without <c>privateKey</c> or <c>password</c>)
    /// and its Check against the cloud, since the ledger never holds credentials. Default is none: the server user's
    /// <c>~/.ssh/id_ed25519</c>, <c>id_ecdsa</c> or <c>id_rsa</c>, the first that exists, as ssh does.
    /// </summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>Gets or sets the delay between the simulated steps of a <c>sandbox</c> install. Default is 3 seconds.</summary>
    public TimeSpan SandboxPollInterval { get; set; } = TimeSpan.FromSeconds(3);
}
