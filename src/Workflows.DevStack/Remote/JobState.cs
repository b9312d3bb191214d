namespace Workflows.DevStack.Remote;

/// <summary>The pending state of the DevStack actions between polls. Never holds a secret.</summary>
public sealed class JobState
{
    /// <summary>Gets or sets the job folder on the host.</summary>
    public string? JobFolder { get; set; }

    /// <summary>Gets or sets how many bytes of the job's log were already copied into the run's log.</summary>
    public long LogOffset { get; set; }

    /// <summary>Gets or sets the host key seen on the first call; later polls pin it.</summary>
    public string? HostKeyFingerprint { get; set; }

    /// <summary>Gets or sets the most telling failure line seen in the log (redacted).</summary>
    public string? FailureLine { get; set; }

    /// <summary>Gets or sets the last lines of the log (redacted), for the error when no failure line was seen.</summary>
    public List<string> Tail { get; set; } = [];

    /// <summary>Gets or sets the next simulated step of a sandbox run (0 when not a sandbox).</summary>
    public int SandboxStep { get; set; }
}
