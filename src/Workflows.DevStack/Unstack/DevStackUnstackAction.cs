using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.DevStack.Install;
using Workflows.DevStack.Remote;
using Workflows.DevStack.Ssh;

namespace Workflows.DevStack.Unstack;

/// <summary>
/// <c>devstack.unstack</c>, the compensation of <c>devstack.install</c>: stops the install's stack.sh if
/// it is still running (found by <see cref="CompensationTarget.IdempotencyKey"/>), then runs
/// ./unstack.sh (and ./clean.sh, and with <c>removeCheckout</c> the removal of the checkout) detached, followed by polls
/// like the install. Also what the Resources page's Delete of a <c>devstack.install</c> row runs (clean and remove the
/// checkout, with the server's key: the ledger never holds credentials).
/// </summary>
/// <param name="ssh">Opens SSH sessions.</param>
/// <param name="options">Poll intervals and timeouts.</param>
public sealed class DevStackUnstackAction(ISshConnector ssh, IOptions<DevStackOptions> options)
    : StepAction<DevStackUnstackInputs, DevStackUnstackOutputs>
{
    private DevStackOptions Options => options.Value;

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(DevStackUnstackInputs inputs, StepContext context)
    {
        inputs.Normalize();
        if (inputs.Host == DevStackInstallInputs.SandboxHost)
        {
            context.Log.WriteLine("[SANDBOX] simulated unstack: the sandbox install installed nothing, so there is nothing to undo.");
            return Completed(new DevStackUnstackOutputs { Simulated = true });
        }

        var redactor = new Redactor().Add(inputs.PrivateKey).Add(inputs.PrivateKeyPassphrase).Add(inputs.Password);
        try
        {
            var state = context.GetState<JobState>() ?? new JobState();
            // No credentials given (the Resources page's Delete: the ledger holds none): the server's own key.
            var key = inputs.PrivateKey ?? (inputs.Password is null ? ServerKey.Load(Options) : null);
            redactor.Add(key);
            var target = new SshTarget(inputs.Host, inputs.Port, inputs.User, key, inputs.PrivateKeyPassphrase, inputs.Password, inputs.HostKeyFingerprint ?? state.HostKeyFingerprint);
            using var session = await ssh.ConnectAsync(target, context.Audit, context.CancellationToken);
            state.HostKeyFingerprint = session.HostKeyFingerprint;
            var jobs = JobStreaming.JobsFolder(inputs.StackHome);
            var stopped = false;
            if (state.JobFolder is null)
            {
                var (folder, stoppedNow, result) = await StartAsync(session, inputs, context, jobs);
                if (result is not null)
                {
                    return result;
                }

                state.JobFolder = folder;
                stopped = stoppedNow;
            }

            var job = new RemoteJob(inputs.StackUser, jobs, state.JobFolder!);
            // With removeCheckout the job keeps a copy of local.conf, so its passwords are still masked once the checkout is gone.
            var localConf = inputs.RemoveCheckout ? state.JobFolder + "/local.conf" : inputs.DevstackFolder + "/local.conf";
            var poll = await JobStreaming.PollAsync(job, session, state, redactor, context, localConf, Options);
            switch (poll)
            {
                case { More: true }:
                    return StepResult.Pending(Options.CatchUpPollInterval, JobStreaming.Progress("unstack", state), state);
                case { State: "running" or "starting" }:
                    return StepResult.Pending(Options.PollInterval, JobStreaming.Progress("unstack", state), state);
                case { State: "exited", ExitCode: 0 }:
                    await context.Resources.MarkDeletedAsync("devstack.install", $"{inputs.Host}:{inputs.DevstackFolder}", inputs.Host, context.CancellationToken);
                    context.Log.WriteLine($"[workflows] unstack{(inputs.Clean ? " and clean" : string.Empty)} finished on {inputs.Host}{(inputs.RemoveCheckout ? $"; {inputs.DevstackFolder} removed" : string.Empty)}.");
                    return Completed(new DevStackUnstackOutputs { Unstacked = true, Cleaned = inputs.Clean, CheckoutRemoved = inputs.RemoveCheckout, StoppedRunningStack = stopped });
                default:
                    return StepResult.Failed(
                        "devstack.unstack_failed",
                        redactor.Redact($"unstack on {inputs.Host} ended with {poll.State} (exit code {poll.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}): {JobStreaming.Diagnosis(state)} — log: {job.LogPath}"),
                        retryable: true);
            }
        }
        catch (StepFailedException ex)
        {
            return StepResult.Failed(ex.ErrorCode, redactor.Redact(ex.Message), ex.Retryable);
        }
    }

    private async Task<(string? Folder, bool Stopped, StepResult? Result)> StartAsync(ISshSession session, DevStackUnstackInputs inputs, StepContext context, string jobs)
    {
        var ct = context.CancellationToken;
        var probe = await session.RunAsync("probe-unstack", Shell.BashScript(null, inputs.StackUser, inputs.DevstackFolder), RemoteScripts.ProbeInstall, Options.CommandTimeout, ct);
        var installed = probe.Values();
        if (probe.ExitCode != 0 || !installed.ContainsKey("installed"))
        {
            return (null, false, StepResult.Failed("devstack.prepare_failed", $"Could not look for devstack in {inputs.DevstackFolder} on {inputs.Host} as {inputs.User} (it needs sudo without a password): {probe.Tail()}", retryable: true));
        }

        if (installed["installed"] != "yes")
        {
            context.Log.WriteLine($"[workflows] No devstack in {inputs.DevstackFolder} on {inputs.Host}: nothing to undo.");
            return (null, false, Completed(new DevStackUnstackOutputs()));
        }

        var stopped = false;
        if (context.Compensating is { } target)
        {
            // A cancelled or failed install may still be running: stop it before undoing it.
            var stop = await session.RunAsync(
                "stop-stack",
                Shell.BashScript(inputs.StackUser, jobs, JobStreaming.Prefix("stack", target.IdempotencyKey)),
                RemoteScripts.StopJobs,
                Options.CommandTimeout,
                ct);
            foreach (var line in stop.StandardOutput.Split('\n').Where(l => l.StartsWith("stopped=", StringComparison.Ordinal)))
            {
                stopped = true;
                context.Log.WriteLine($"[workflows] Stopped the still-running stack.sh of step '{target.StepId}' ({line["stopped=".Length..]}).");
            }
        }

        var own = $"{jobs}/{JobStreaming.Prefix("unstack", context.IdempotencyKey)}a{context.Attempt}";
        var job = new RemoteJob(inputs.StackUser, jobs, own);
        var steps = inputs.Clean ? "./unstack.sh && ./clean.sh" : "./unstack.sh";
        string[] command = inputs.RemoveCheckout

            // $0 is the job folder (for the copy of local.conf), $1 the checkout, removed only once the scripts succeeded.
            ? ["bash", "-c", $"cp -p local.conf \"$0/local.conf\" 2>/dev/null || true; {steps} && cd / && rm -rf -- \"$1\" && echo \"[workflows] removed $1\"", own, inputs.DevstackFolder]
            : inputs.Clean ? ["bash", "-c", steps] : ["./unstack.sh"];
        var (started, busy) = await job.StartAsync(session, inputs.DevstackFolder, command, Options.CommandTimeout, ct);
        if (started is not ("started" or "exists"))
        {
            return (null, stopped, StepResult.Failed("devstack.busy", $"Another Workflows job is running on {inputs.Host} ({busy}); unstack waits for it.", retryable: true));
        }

        context.Log.WriteLine(started == "started"
            ? $"[workflows] Started {string.Join(' ', command)} on {inputs.Host}, detached; log {job.LogPath}."
            : $"[workflows] Re-attached to the unstack this step already started ({own}).");
        return (own, stopped, null);
    }
}
