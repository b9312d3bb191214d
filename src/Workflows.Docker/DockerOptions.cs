namespace Workflows.Docker;

/// <summary>Defaults of the Docker actions, bound from the <c>Docker</c> configuration section.</summary>
public sealed class DockerOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Docker";

    /// <summary>Gets or sets the engine address used when a step names none. Default is null (then <c>DOCKER_HOST</c>, then the local socket).</summary>
    public string? Host { get; set; }

    /// <summary>Gets or sets whether TLS is verified when a step does not say. Default is null (then <c>DOCKER_TLS_VERIFY</c>).</summary>
    public bool? TlsVerify { get; set; }

    /// <summary>Gets or sets the certificate folder used when a step names none. Default is null (then <c>DOCKER_CERT_PATH</c>).</summary>
    public string? CertPath { get; set; }

    /// <summary>Gets or sets how long to wait between convergence polls. Default is 2 seconds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the timeout of one Docker API call. Default is 30 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the longest an image pull may take within one step execution. Default is 10 minutes.</summary>
    public TimeSpan PullTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
