using System.Globalization;
using System.Text;
using Workflows.Abstractions.Actions;
using Workflows.DevStack.Ssh;

namespace Workflows.DevStack.Remote;

/// <summary>A long command started detached on the host (stack.sh, unstack.sh) and observed through its job folder.</summary>
/// <param name="StackUser">The user that owns and runs the job.</param>
/// <param name="JobsFolder">The folder of all jobs on the host (one lock, one place to find live jobs).</param>
/// <param name="JobFolder">This job's folder: run.sh, pid, log, exitcode.</param>
internal sealed record RemoteJob(string StackUser, string JobsFolder, string JobFolder)
{
    /// <summary>Gets the path of the job's log on the host.</summary>
    public string LogPath => JobFolder + "/log";

    /// <summary>Starts the command unless the job exists or another job is alive.</summary>
    public async Task<(string State, string? Busy)> StartAsync(ISshSession ssh, string workFolder, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await ssh.RunAsync(
            "start-job",
            Shell.BashScript(StackUser, [JobsFolder, JobFolder, workFolder, .. command]),
            RemoteScripts.StartJob,
            timeout,
            cancellationToken);
        var values = result.Values();
        if (result.ExitCode != 0 || !values.TryGetValue("state", out var state))
        {
            throw new StepFailedException("devstack.start_failed", $"Could not start '{string.Join(' ', command)}' on the host: exit {result.ExitCode}: {result.Tail()}", retryable: true);
        }

        return (state, values.GetValueOrDefault("busy"));
    }

    /// <summary>Reads the job's state and the log from <paramref name="offset"/>.</summary>
    public async Task<JobPoll> PollAsync(ISshSession ssh, long offset, int maxBytes, string? localConfPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await ssh.RunAsync(
            "poll-job",
            Shell.BashScript(StackUser, JobFolder, offset.ToString(CultureInfo.InvariantCulture), maxBytes.ToString(CultureInfo.InvariantCulture), localConfPath ?? string.Empty),
            RemoteScripts.PollJob,
            timeout,
            cancellationToken);
        var values = result.Values();
        if (result.ExitCode != 0 || !values.TryGetValue("state", out var state))
        {
            throw new StepFailedException("devstack.poll_failed", $"Could not read the job {JobFolder} on the host: exit {result.ExitCode}: {result.Tail()}", retryable: true);
        }

        var bytes = values.TryGetValue("chunk", out var chunk) && chunk.Length > 0 ? Convert.FromBase64String(chunk) : [];
        var size = values.TryGetValue("size", out var s) && long.TryParse(s, CultureInfo.InvariantCulture, out var n) ? n : 0;
        int? exitCode = values.TryGetValue("exit_code", out var e) && int.TryParse(e, CultureInfo.InvariantCulture, out var code) ? code : null;
        var adminPassword = values.TryGetValue("admin_password_b64", out var pw) && pw.Length > 0 ? Encoding.UTF8.GetString(Convert.FromBase64String(pw)) : null;
        var finished = state is "exited" or "dead" or "missing";
        var (text, consumed) = LogText.Take(bytes, final: finished && offset + bytes.Length >= size, full: bytes.Length >= maxBytes);
        return new JobPoll(state, exitCode, values.GetValueOrDefault("pid"), text, offset + consumed, offset + consumed < size, adminPassword);
    }
}

/// <summary>What one poll of a job saw.</summary>
/// <param name="State"><c>running</c>, <c>starting</c>, <c>exited</c>, <c>dead</c> (gone without an exit code) or <c>missing</c>.</param>
/// <param name="ExitCode">The exit code, when exited.</param>
/// <param name="Pid">The job's pid on the host.</param>
/// <param name="Text">New log text, whole lines unless the job has finished.</param>
/// <param name="NextOffset">The log offset after <paramref name="Text"/>.</param>
/// <param name="More">Whether more log is waiting beyond <paramref name="NextOffset"/>.</param>
/// <param name="AdminPassword">The ADMIN_PASSWORD in local.conf, to redact it from the log.</param>
internal sealed record JobPoll(string State, int? ExitCode, string? Pid, string Text, long NextOffset, bool More, string? AdminPassword)
{
    /// <summary>Returns the safe form of this poll for diagnostics (never the password).</summary>
    public override string ToString() => $"{State} exit={ExitCode} pid={Pid} next={NextOffset} more={More}";
}

/// <summary>Turns log bytes into text without splitting lines (so a secret is never cut in two and escapes redaction) or UTF-8 sequences.</summary>
internal static class LogText
{
    /// <summary>Returns the text to emit and how many bytes it used.</summary>
    /// <param name="bytes">The bytes read.</param>
    /// <param name="final">The log is complete and these are its last bytes: take everything.</param>
    /// <param name="full">The read hit the chunk limit: a line longer than the limit is taken in pieces.</param>
    public static (string Text, int Consumed) Take(ReadOnlySpan<byte> bytes, bool final, bool full)
    {
        var take = bytes.Length;
        if (!final)
        {
            var newline = bytes.LastIndexOf((byte)'\n');
            take = newline >= 0 ? newline + 1 : full ? CompleteUtf8Length(bytes) : 0;
        }

        return (Encoding.UTF8.GetString(bytes[..take]), take);
    }

    private static int CompleteUtf8Length(ReadOnlySpan<byte> bytes)
    {
        // Step back over a trailing, incomplete multi-byte sequence.
        for (var back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }

            var length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return length > back ? bytes.Length - back : bytes.Length;
        }

        return bytes.Length;
    }
}
