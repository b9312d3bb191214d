namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>Behaviour of a sandbox Kubernetes API: how fast the simulated kubelet and controllers act.</summary>
public sealed class KubernetesSandboxOptions
{
    /// <summary>Gets or sets how long a new pod stays Pending before it runs and becomes Ready. Default is 2 seconds.</summary>
    public TimeSpan PodReadyDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how often a container of a <c>fail-</c> image restarts (its restartCount grows). Default is 10 seconds.</summary>
    public TimeSpan CrashLoopRestartInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the version <c>/version</c> reports. Default is <c>v1.32.0</c>.</summary>
    public string ServerVersion { get; set; } = "v1.32.0";

    /// <summary>Gets or sets the clock. Default is <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
