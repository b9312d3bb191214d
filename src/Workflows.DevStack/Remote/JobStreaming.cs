using System.Security.Cryptography;
using System.Text;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.DevStack.Install;
using Workflows.DevStack.Ssh;

namespace Workflows.DevStack.Remote;

/// <summary>Shared steps of the actions that run a detached job: naming, polling and copying its log into the run.</summary>
internal static class JobStreaming
{
    /// <summary>Returns the folder of all Workflows jobs under the stack user's home.</summary>
    public static string JobsFolder(string stackHome) => stackHome.TrimEnd('/') + "/.workflows";

    /// <summary>Returns the job-name prefix of a step: the kind plus a hash of its idempotency key (the same for every attempt and poll).</summary>
    public static string Prefix(string kind, string idempotencyKey) =>
        $"{kind}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..16]}-";

    /// <summary>Polls the job once, copies new log text (redacted) into the run's log and folds it into <paramref name="state"/>.</summary>
    public static async Task<JobPoll> PollAsync(
        RemoteJob job,
        ISshSession ssh,
        JobState state,
        Redactor redactor,
        StepContext context,
        string? localConfPath,
        DevStackOptions options)
    {
        var poll = await job.PollAsync(ssh, state.LogOffset, options.MaxLogChunkBytes, localConfPath, options.CommandTimeout, context.CancellationToken);
        redactor.Add(poll.AdminPassword);
        if (poll.Text.Length > 0)
        {
            var text = redactor.Redact(poll.Text);
            context.Log.Write(text);
            StackLog.Observe(state, text.Split('\n'));
        }

        state.LogOffset = poll.NextOffset;
        return poll;
    }

    /// <summary>Returns a short progress text: the log size and its last line.</summary>
    public static string Progress(string what, JobState state)
    {
        var last = state.Tail.Count > 0 ? state.Tail[^1] : "(no output yet)";
        if (last.Length > 120)
        {
            last = last[..120] + "…";
        }

        return $"{what} running, {state.LogOffset / 1024} KiB of log: {last}";
    }

    /// <summary>Returns the failure line, or the last lines of the log, for an error message.</summary>
    public static string Diagnosis(JobState state) =>
        state.FailureLine ?? (state.Tail.Count > 0 ? string.Join(" | ", state.Tail.TakeLast(3)) : "(no output)");
}
