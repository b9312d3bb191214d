using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Secrets;
using Workflows.DevStack.Remote;
using Workflows.DevStack.Ssh;

namespace Workflows.DevStack.Install;

/// <summary>
/// <c>devstack.install</c>: preflight, stack user, devstack checkout and local.conf over SSH, then
/// stack.sh started detached on the host and followed by short polls that copy its log into the run.
/// </summary>
/// <remarks>
/// Idempotent through the job folder <c>{stackHome}/.workflows/stack-{hash(idempotency key)}-a{attempt}</c>:
/// any execution of the same attempt, even one that lost its state, finds the folder (or a live job
/// of the same step) and re-attaches instead of starting stack.sh a second time. A start happens under
/// a host-wide lock and never while any other job on the host is alive.
/// </remarks>
/// <param name="ssh">Opens SSH sessions.</param>
/// <param name="options">Poll intervals, timeouts, preflight minimums.</param>
public sealed partial class DevStackInstallAction(ISshConnector ssh, IOptions<DevStackOptions> options)
    : StepAction<DevStackInstallInputs, DevStackInstallOutputs>
{
    private const string SandboxPrefix = "[SANDBOX] ";

    private static readonly string[] SandboxLines =
    [
        "SIMULATED DevStack installation: no host is contacted and nothing is installed.",
        "simulated: preflight skipped (there is no host).",
        "simulated: would clone {repo} {branch} and write local.conf.",
        "simulated: would run stack.sh (keystone, nova, neutron, glance, placement).",
        "simulated: 'stack.sh' finished (nothing ran).",
        "Outputs point at the built-in sandbox cloud 'sandbox'; no new cloud was registered.",
    ];

    private DevStackOptions Options => options.Value;

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(DevStackInstallInputs inputs, StepContext context)
    {
        inputs.Normalize();
        if (inputs.IsSandbox)
        {
            return await SandboxAsync(inputs, context);
        }

        var redactor = new Redactor().Add(inputs.PrivateKey).Add(inputs.PrivateKeyPassphrase).Add(inputs.Password).Add(inputs.AdminPassword);
        try
        {
            LocalConf.Validate(inputs);
            var state = context.GetState<JobState>() ?? new JobState();
            var target = new SshTarget(
                inputs.Host,
                inputs.Port,
                inputs.User,
                inputs.PrivateKey,
                inputs.PrivateKeyPassphrase,
                inputs.Password,
                inputs.HostKeyFingerprint ?? state.HostKeyFingerprint);
            using var session = await ssh.ConnectAsync(target, context.Audit, context.CancellationToken);
            state.HostKeyFingerprint = session.HostKeyFingerprint;
            if (state.JobFolder is null)
            {
                state.JobFolder = await AttachOrStartAsync(session, target, inputs, context, redactor);
            }

            var job = new RemoteJob(inputs.StackUser, JobStreaming.JobsFolder(inputs.StackHome), state.JobFolder);
            var poll = await JobStreaming.PollAsync(job, session, state, redactor, context, inputs.DevstackFolder + "/local.conf", Options);
            return poll switch
            {
                { State: "missing" } => StepResult.Failed("devstack.job_missing", $"The job folder {job.JobFolder} disappeared from {inputs.Host}; a new attempt starts stack.sh again.", retryable: true),
                { More: true } => StepResult.Pending(Options.CatchUpPollInterval, JobStreaming.Progress("stack.sh", state), state),
                { State: "running" or "starting" } => StepResult.Pending(Options.PollInterval, JobStreaming.Progress("stack.sh", state), state),
                { State: "exited", ExitCode: 0 } => await CompleteAsync(session, inputs, context, job, poll, state),
                { State: "exited" } => StepResult.Failed(
                    "devstack.stack_failed",
                    redactor.Redact($"stack.sh failed on {inputs.Host} (exit code {poll.ExitCode}): {JobStreaming.Diagnosis(state)} — full log on the host: {job.LogPath}"),
                    retryable: false),
                _ => StepResult.Failed(
                    "devstack.stack_died",
                    redactor.Redact($"stack.sh on {inputs.Host} stopped without an exit code (host rebooted or process killed); last output: {JobStreaming.Diagnosis(state)} — log: {job.LogPath}"),
                    retryable: true),
            };
        }
        catch (StepFailedException ex)
        {
            return StepResult.Failed(ex.ErrorCode, redactor.Redact(ex.Message), ex.Retryable);
        }
    }

    /// <summary>Finds this step's job on the host (re-attach) or runs preflight, prepare and start. Returns the job folder.</summary>
    private async Task<string> AttachOrStartAsync(ISshSession session, SshTarget target, DevStackInstallInputs inputs, StepContext context, Redactor redactor)
    {
        var ct = context.CancellationToken;
        var jobs = JobStreaming.JobsFolder(inputs.StackHome);
        var prefix = JobStreaming.Prefix("stack", context.IdempotencyKey);
        var own = $"{jobs}/{prefix}a{context.Attempt}";

        var probeResult = await session.RunAsync("probe", Shell.BashScript(null, jobs, own), RemoteScripts.Probe, Options.CommandTimeout, ct);
        var probe = probeResult.Values();
        if (probe.GetValueOrDefault("own") == "exists")
        {
            context.Log.WriteLine($"[workflows] Re-attached to the stack.sh this step already started on {inputs.Host} ({own}); its log is replayed from the start.");
            return own;
        }

        var lines = probeResult.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var alive = lines.Where(l => l.StartsWith("alive=", StringComparison.Ordinal)).Select(l => l["alive=".Length..]).ToList();
        var succeeded = lines.Where(l => l.StartsWith("done=0 ", StringComparison.Ordinal)).Select(l => l["done=0 ".Length..]).ToList();
        if (alive.FirstOrDefault(d => d.StartsWith($"{jobs}/{prefix}", StringComparison.Ordinal)) is { } earlier)
        {
            context.Log.WriteLine($"[workflows] Re-attached to the stack.sh an earlier attempt of this step started on {inputs.Host} ({earlier}); it is still running.");
            return earlier;
        }

        if (succeeded.LastOrDefault(d => d.StartsWith($"{jobs}/{prefix}", StringComparison.Ordinal)) is { } installed)
        {
            // Exactly-once effect: an earlier attempt of this step already installed devstack.
            context.Log.WriteLine($"[workflows] Re-attached to the stack.sh an earlier attempt of this step ran to success on {inputs.Host} ({installed}); not running it again.");
            return installed;
        }

        if (alive.Count > 0)
        {
            throw new StepFailedException("devstack.busy", $"Another Workflows job is running on {inputs.Host} ({alive[0]}); refusing to start a second stack.sh.", retryable: true);
        }

        var facts = (await session.RunAsync("preflight", Shell.BashScript(null, inputs.OsReleasePath, inputs.StackHome), RemoteScripts.Preflight, Options.CommandTimeout, ct)).Values();
        Preflight.Check(facts, Options, target.Endpoint);
        context.Log.WriteLine($"[workflows] Preflight of {target.Endpoint} passed: {facts.GetValueOrDefault("os_name")}, {facts.GetValueOrDefault("cpus")} CPUs, {(long.TryParse(facts.GetValueOrDefault("mem_kb"), System.Globalization.CultureInfo.InvariantCulture, out var memKb) ? memKb / 1024 : 0)} MiB, host key {session.HostKeyFingerprint}.");

        await PrepareAsync(session, inputs, context, redactor);

        var job = new RemoteJob(inputs.StackUser, jobs, own);
        var (started, busy) = await job.StartAsync(session, inputs.DevstackFolder, ["./stack.sh"], Options.CommandTimeout, ct);
        switch (started)
        {
            case "started":
                context.Log.WriteLine($"[workflows] Started stack.sh on {inputs.Host} as {inputs.StackUser}, detached; log {job.LogPath}.");
                break;
            case "exists":
                context.Log.WriteLine($"[workflows] Re-attached to the stack.sh this step already started on {inputs.Host} ({own}).");
                return own;
            case "busy" when busy is not null && busy.StartsWith($"{jobs}/{prefix}", StringComparison.Ordinal):
                context.Log.WriteLine($"[workflows] Re-attached to the stack.sh an earlier attempt of this step started ({busy}).");
                return busy;
            default:
                throw new StepFailedException("devstack.busy", $"Another Workflows job is running on {inputs.Host} ({busy}); refusing to start a second stack.sh.", retryable: true);
        }

        await context.Resources.RecordAsync(
            new ResourceRecord(
                "devstack.install",
                $"{inputs.Host}:{inputs.DevstackFolder}",
                inputs.EffectiveCloudName,
                inputs.Host,
                new Dictionary<string, string>
                {
                    ["branch"] = inputs.Branch,
                    ["repository"] = inputs.RepositoryUrl,
                    ["job"] = own,
                    ["log"] = job.LogPath,
                    ["stackUser"] = inputs.StackUser,

                    // How the Resources page's Delete and Check reach the host again (never the credentials).
                    ["port"] = inputs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["user"] = inputs.User,
                    ["hostKeyFingerprint"] = session.HostKeyFingerprint,
                    ["stackHome"] = inputs.StackHome,
                    ["devstackDir"] = inputs.DevstackFolder,
                }),
            ct);
        return own;
    }

    private async Task PrepareAsync(ISshSession session, DevStackInstallInputs inputs, StepContext context, Redactor redactor)
    {
        var ct = context.CancellationToken;
        var user = await session.RunAsync("prepare-user", Shell.BashScript(null, inputs.StackUser, inputs.StackHome), RemoteScripts.PrepareUser, Options.CloneTimeout, ct);
        if (user.ExitCode != 0)
        {
            throw new StepFailedException("devstack.prepare_failed", $"Could not prepare the stack user '{inputs.StackUser}' on {inputs.Host}: {user.Tail()}", retryable: true);
        }

        var userFacts = user.Values();
        context.Log.WriteLine(userFacts.ContainsKey("created_user")
            ? $"[workflows] Created the user '{inputs.StackUser}' (home {inputs.StackHome}) with passwordless sudo."
            : $"[workflows] The user '{inputs.StackUser}' exists; ensured its home and passwordless sudo.");

        var checkout = await session.RunAsync("checkout", Shell.BashScript(inputs.StackUser, inputs.RepositoryUrl, inputs.Branch, inputs.DevstackFolder), RemoteScripts.Checkout, Options.CloneTimeout, ct);
        if (checkout.ExitCode != 0)
        {
            throw new StepFailedException("devstack.checkout_failed", $"Could not check out {inputs.RepositoryUrl} {inputs.Branch} into {inputs.DevstackFolder}: {checkout.Tail()}", retryable: true);
        }

        var co = checkout.Values();
        context.Log.WriteLine($"[workflows] {(co.GetValueOrDefault("action") == "cloned" ? "Cloned" : "Fetched")} {inputs.RepositoryUrl} {inputs.Branch} at {co.GetValueOrDefault("commit")} into {inputs.DevstackFolder}.");

        var confPath = inputs.DevstackFolder + "/local.conf";
        var password = inputs.AdminPassword?.Reveal();
        if (password is null)
        {
            // A re-run on the same host keeps the password the services were set up with.
            var existing = (await session.RunAsync("read-local-conf", Shell.BashScript(inputs.StackUser, confPath), RemoteScripts.ReadAdminPassword, Options.CommandTimeout, ct)).Values();
            password = existing.TryGetValue("admin_password_b64", out var b64) ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(b64)) : GeneratePassword();
        }

        redactor.Add(password);
        var conf = LocalConf.Render(inputs, password);
        var write = await session.RunAsync(
            "write-local-conf",
            $"sudo -n -u {Shell.Quote(inputs.StackUser)} -H bash -c 'umask 077; cat >\"$1\"' _ {Shell.Quote(confPath)}",
            conf,
            Options.CommandTimeout,
            ct);
        if (write.ExitCode != 0)
        {
            throw new StepFailedException("devstack.prepare_failed", $"Could not write {confPath}: {write.Tail()}", retryable: true);
        }

        context.Log.WriteLine($"[workflows] Wrote {confPath} (secrets shown as {Secret.Mask}):");
        foreach (var line in conf.TrimEnd('\n').Split('\n'))
        {
            context.Log.WriteLine("    " + redactor.Redact(line));
        }
    }

    private async Task<StepResult> CompleteAsync(ISshSession session, DevStackInstallInputs inputs, StepContext context, RemoteJob job, JobPoll poll, JobState state)
    {
        var ct = context.CancellationToken;
        var rc = (await session.RunAsync("read-openrc", Shell.BashScript(inputs.StackUser, inputs.DevstackFolder), RemoteScripts.ReadOpenRc, Options.CommandTimeout, ct)).Values();
        var keystoneUrl = rc.GetValueOrDefault("auth_url") is { Length: > 0 } url ? url : $"http://{inputs.HostIp ?? inputs.Host}/identity";
        var region = rc.GetValueOrDefault("region") is { Length: > 0 } r ? r : inputs.Region;
        var password = poll.AdminPassword ?? inputs.AdminPassword?.Reveal()
            ?? throw new StepFailedException("devstack.local_conf_missing", $"stack.sh finished but {inputs.DevstackFolder}/local.conf has no ADMIN_PASSWORD.", retryable: false);

        var outputs = new DevStackInstallOutputs
        {
            KeystoneUrl = keystoneUrl,
            Region = region,
            AdminUser = "admin",
            AdminPassword = new Secret(password),
            CloudName = inputs.EffectiveCloudName,
            HostKeyFingerprint = state.HostKeyFingerprint,
            LogPath = job.LogPath,
        };

        if (context.Services.GetService<ICloudCatalog>() is { } catalog)
        {
            await catalog.RegisterAsync(
                new CloudRegistration(outputs.CloudName, keystoneUrl, region, "admin", outputs.AdminPassword, "admin", Source: $"run {context.RunId} step {context.StepId}"),
                ct);
            outputs.Registered = true;
            context.Audit.Record("cloud.registered", $"Registered cloud '{outputs.CloudName}' ({keystoneUrl}, region {region}, user admin).");
        }

        context.Log.WriteLine($"[workflows] stack.sh finished on {inputs.Host}: Keystone {keystoneUrl}, region {region}, cloud '{outputs.CloudName}'{(outputs.Registered ? " registered" : " (no cloud catalog: not registered)")}.");
        return Completed(outputs);
    }

    private async Task<StepResult> SandboxAsync(DevStackInstallInputs inputs, StepContext context)
    {
        var catalog = context.Services.GetService<ICloudCatalog>();
        var sandbox = catalog?.List().FirstOrDefault(c => c.Name == DevStackInstallInputs.SandboxHost);
        if (sandbox is null)
        {
            return StepResult.Failed("devstack.sandbox_unavailable", "host 'sandbox' simulates an install against the built-in sandbox cloud, but no cloud named 'sandbox' is configured.", retryable: false);
        }

        var state = context.GetState<JobState>() ?? new JobState();
        var step = state.SandboxStep;
        context.Log.WriteLine(SandboxPrefix + SandboxLines[step].Replace("{repo}", inputs.RepositoryUrl, StringComparison.Ordinal).Replace("{branch}", inputs.Branch, StringComparison.Ordinal));
        if (step < SandboxLines.Length - 1)
        {
            state.SandboxStep = step + 1;
            return StepResult.Pending(Options.SandboxPollInterval, $"SANDBOX: simulated step {step + 1} of {SandboxLines.Length - 1} (nothing is installed)", state);
        }

        return Completed(new DevStackInstallOutputs
        {
            KeystoneUrl = sandbox.AuthUrl,
            Region = sandbox.Region,
            CloudName = sandbox.Name,
            Simulated = true,
        });
    }

    private static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, 24);
    }
}
