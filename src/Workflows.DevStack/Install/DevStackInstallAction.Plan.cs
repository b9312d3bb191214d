using Workflows.Abstractions.Actions;
using Workflows.DevStack.Remote;
using Workflows.DevStack.Ssh;

namespace Workflows.DevStack.Install;

/// <summary>The plan of <c>devstack.install</c>.</summary>
public sealed partial class DevStackInstallAction : IPlannableAction<DevStackInstallInputs>
{
    /// <summary>Args: devstack folder. What is on the host already; changes nothing (runs as the login user with sudo).</summary>
    private const string InstalledProbe = """
        dir=$1
        if [ "$(id -u)" = 0 ]; then S=""; elif sudo -n true 2>/dev/null; then S="sudo -n"; else S=""; fi
        if $S test -f "$dir/stack.sh"; then echo "checkout=yes"; else echo "checkout=no"; fi
        if $S test -f "$dir/.stackenv"; then echo "stackenv=yes"; else echo "stackenv=no"; fi
        # A stack.sh of this folder, whoever started it: its working folder is the devstack folder.
        $S sh -c 'for p in /proc/[0-9]*; do
          [ "$(readlink "$p/cwd" 2>/dev/null)" = "$1" ] || continue
          case "$(tr "\0" " " <"$p/cmdline" 2>/dev/null)" in *stack.sh*) echo "stack_sh_pid=${p#/proc/}" ;; esac
        done' _ "$dir"
        """;

    private static readonly string[] ConnectionFields = ["host", "port", "user", "privateKey", "privateKeyPassphrase", "password", "hostKeyFingerprint", "stackHome", "devstackDir", "stackUser", "osReleasePath"];

    /// <inheritdoc />
    /// <remarks>
    /// Reads over SSH (the same read-only scripts the step runs first): the host key, the preflight facts (OS, CPUs,
    /// memory, free disk, passwordless sudo) judged as the step judges them, the Workflows jobs on the host (this
    /// step's, a running one, earlier installs), whether a devstack checkout and a finished stack.sh (<c>.stackenv</c>)
    /// are there, and any stack.sh process. Shows <c>create</c>, <c>adopt</c> (this step's stack.sh is running:
    /// re-attach), nothing to do (this step already installed it) or <c>update</c> (devstack is installed: stack.sh
    /// runs again over it). Cannot know in advance: whether the clone and stack.sh succeed (package mirrors, the
    /// services' own failures) and the Keystone URL and admin password it ends with.
    /// </remarks>
    public async Task<StepPlan> PlanAsync(DevStackInstallInputs inputs, PlanContext context)
    {
        var plan = new StepPlanBuilder();
        foreach (var field in ConnectionFields)
        {
            if (context.WhenKnown(field) is { } when)
            {
                plan.Deferred(field, $"'{field}' is {when}: the host cannot be read yet");
                return plan.Build(PlanAction.Unknown, $"install devstack on a host whose {field} is {when}");
            }
        }

        inputs.Normalize();
        if (inputs.IsSandbox)
        {
            plan.Passed("host", "'sandbox' simulates an install against the built-in sandbox cloud: no host is contacted, nothing is installed");
            return plan.Build(PlanAction.NoChange, "simulate a devstack install (nothing is installed)");
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = inputs.Host,
            ["repository"] = $"{inputs.RepositoryUrl} {inputs.Branch}",
            ["folder"] = inputs.DevstackFolder,
            ["stackUser"] = inputs.StackUser,
            ["plugins"] = inputs.Plugins.Count == 0 ? "(none)" : string.Join(", ", inputs.Plugins),
            ["cloud"] = context.WhenKnown("cloudName") is { } cloudWhen ? $"({cloudWhen})" : inputs.EffectiveCloudName,
            ["keystone"] = "(known after stack.sh finished)",
        };
        var name = $"{inputs.Host}:{inputs.DevstackFolder}";
        var summary = $"install devstack {inputs.Branch} on {inputs.Host} into {inputs.DevstackFolder}";
        try
        {
            LocalConf.Validate(inputs);
        }
        catch (StepFailedException e)
        {
            plan.Error("inputs", "with", e.Message);
            return plan.Build(PlanAction.Unknown, summary);
        }

        var target = new SshTarget(inputs.Host, inputs.Port, inputs.User, inputs.PrivateKey, inputs.PrivateKeyPassphrase, inputs.Password, inputs.HostKeyFingerprint);
        var ct = context.CancellationToken;
        try
        {
            using var session = await ssh.ConnectAsync(target, context.Audit, ct);
            plan.Passed("ssh", $"{target.Endpoint}, host key {session.HostKeyFingerprint}{(inputs.HostKeyFingerprint is null ? " (not pinned: give hostKeyFingerprint to pin it)" : " (as pinned)")}");

            var jobs = JobStreaming.JobsFolder(inputs.StackHome);
            var prefix = context.IdempotencyKey is { } key ? $"{jobs}/{JobStreaming.Prefix("stack", key)}" : null;
            var probe = await session.RunAsync("probe", Shell.BashScript(null, jobs, prefix is null ? string.Empty : prefix + "none"), RemoteScripts.Probe, Options.CommandTimeout, ct);
            var lines = probe.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var alive = lines.Where(l => l.StartsWith("alive=", StringComparison.Ordinal)).Select(l => l["alive=".Length..]).ToList();
            var succeeded = lines.Where(l => l.StartsWith("done=0 ", StringComparison.Ordinal)).Select(l => l["done=0 ".Length..]).ToList();

            if (prefix is not null && alive.FirstOrDefault(d => d.StartsWith(prefix, StringComparison.Ordinal)) is { } ours)
            {
                plan.Passed("stack.sh", $"this step's stack.sh is running on {inputs.Host} ({ours}): the step re-attaches to it");
                plan.Resource("devstack.install", name, PlanAction.Adopt, attributes);
                return plan.Build(PlanAction.Adopt, $"re-attach to the stack.sh this step started on {inputs.Host}");
            }

            if (prefix is not null && succeeded.LastOrDefault(d => d.StartsWith(prefix, StringComparison.Ordinal)) is { } installed)
            {
                plan.Passed("stack.sh", $"this step already installed devstack on {inputs.Host} ({installed}): stack.sh is not run again");
                plan.Resource("devstack.install", name, PlanAction.NoChange, attributes);
                return plan.Build(PlanAction.NoChange, $"devstack is already installed on {inputs.Host} by this step: nothing to do");
            }

            if (alive.Count > 0)
            {
                plan.Error("stack.sh", "with.host", $"another Workflows job is running on {inputs.Host} ({alive[0]}): the step would refuse to start a second stack.sh (devstack.busy)");
            }

            var facts = (await session.RunAsync("preflight", Shell.BashScript(null, inputs.OsReleasePath, inputs.StackHome), RemoteScripts.Preflight, Options.CommandTimeout, ct)).Values();
            foreach (var finding in Preflight.Evaluate(facts, Options))
            {
                if (finding.Passed)
                {
                    plan.Passed($"preflight.{finding.Name}", finding.Detail);
                }
                else
                {
                    plan.Error($"preflight.{finding.Name}", "with.host", $"{finding.Detail} ({finding.Code})");
                }
            }

            var there = (await session.RunAsync("installed", Shell.BashScript(null, inputs.DevstackFolder), InstalledProbe, Options.CommandTimeout, ct)).Values();
            if (alive.Count == 0 && there.TryGetValue("stack_sh_pid", out var pid))
            {
                plan.Error("stack.sh", "with.host", $"a stack.sh not started by Workflows is running on {inputs.Host} (pid {pid}): wait for it to end before installing");
            }

            var earlier = succeeded.LastOrDefault();
            if (there.GetValueOrDefault("stackenv") == "yes" || earlier is not null)
            {
                plan.Warning(
                    "installed",
                    "with.host",
                    $"devstack is already installed on {inputs.Host} ({(earlier is null ? $"{inputs.DevstackFolder}/.stackenv exists" : $"by Workflows job {earlier}")}): the step runs stack.sh again over it; run devstack.unstack first for a clean install");
                plan.Resource("devstack.install", name, PlanAction.Update, attributes, [new PlanChange("stack.sh", "installed", "run again")]);
                return plan.Build(PlanAction.Update, $"run stack.sh again on {inputs.Host} over the devstack installed in {inputs.DevstackFolder}");
            }

            plan.Passed("checkout", there.GetValueOrDefault("checkout") == "yes"
                ? $"{inputs.DevstackFolder} holds a devstack checkout: it is fetched and checked out at {inputs.Branch}"
                : $"{inputs.DevstackFolder} does not exist: {inputs.RepositoryUrl} is cloned into it");
            plan.Resource("devstack.install", name, PlanAction.Create, attributes);
            return plan.Build(PlanAction.Create, summary);
        }
        catch (StepFailedException e)
        {
            plan.Error("ssh", e.ErrorCode.StartsWith("ssh.hostkey", StringComparison.Ordinal) ? "with.hostKeyFingerprint" : e.ErrorCode is "ssh.auth_failed" or "ssh.key_invalid" ? "with.privateKey" : "with.host", e.Message);
            plan.Resource("devstack.install", name, PlanAction.Unknown, attributes);
            return plan.Build(PlanAction.Unknown, summary);
        }
    }
}
