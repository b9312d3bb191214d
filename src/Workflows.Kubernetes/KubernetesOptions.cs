namespace Workflows.Kubernetes;

/// <summary>Settings of the Kubernetes actions, bound from the <c>Kubernetes</c> configuration section.</summary>
public sealed class KubernetesOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Kubernetes";

    /// <summary>Gets or sets the field manager of server-side apply. Default is <c>workflows</c>.</summary>
    public string FieldManager { get; set; } = "workflows";

    /// <summary>Gets or sets the first delay between two polls of a rollout or a delete; it doubles up to <see cref="MaxPollInterval"/>. Default is 500 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets or sets the longest delay between two polls. Default is 5 s.</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the timeout of one call to the API server. Default is 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the folder that <c>file:</c> inputs are relative to. Default is null: the workflows folder
    /// (<c>Workflows:WorkflowsDirectory</c>, looked up from the current folder upwards like the definitions are).
    /// </summary>
    public string? ManifestDirectory { get; set; }

    /// <summary>Gets the delay before poll number <paramref name="pollCount"/> (0 for the first): fast at first, then backing off.</summary>
    public TimeSpan PollDelay(int pollCount)
    {
        var factor = Math.Pow(2, Math.Min(pollCount, 10));
        var delay = TimeSpan.FromMilliseconds(PollInterval.TotalMilliseconds * factor);
        return delay < MaxPollInterval ? delay : MaxPollInterval;
    }
}
