using System.Globalization;
using Workflows.Abstractions.Actions;

namespace Workflows.DevStack.Install;

/// <summary>Judges the facts the preflight script printed against what devstack supports.</summary>
internal static class Preflight
{
    /// <summary>OS ids and the VERSION_ID prefixes devstack's stable branches support (stack.sh's SUPPORTED_DISTROS: jammy, noble, bookworm, rhel9).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> SupportedOs = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["ubuntu"] = ["22.04", "24.04"],
        ["debian"] = ["12"],
        ["rocky"] = ["9"],
        ["centos"] = ["9"],
        ["rhel"] = ["9"],
    };

    /// <summary>Throws a non-retryable <c>preflight.*</c> failure naming every problem found.</summary>
    public static void Check(IReadOnlyDictionary<string, string> facts, DevStackOptions options, string endpoint)
    {
        var problems = Evaluate(facts, options).Where(f => !f.Passed).ToList();
        if (problems.Count > 0)
        {
            throw new StepFailedException(problems[0].Code, $"Preflight of {endpoint} failed: {string.Join("; ", problems.Select(p => p.Detail))}.", retryable: false);
        }
    }

    /// <summary>
    /// Judges each fact on its own: the operating system, CPUs, memory, free disk and passwordless sudo, in this
    /// order. A fact the script could not read (no number) is not judged, as in <see cref="Check"/>.
    /// </summary>
    public static IReadOnlyList<PreflightFinding> Evaluate(IReadOnlyDictionary<string, string> facts, DevStackOptions options)
    {
        var findings = new List<PreflightFinding>();
        var osId = facts.GetValueOrDefault("os_id") ?? string.Empty;
        var osVersion = facts.GetValueOrDefault("os_version") ?? string.Empty;
        var osName = facts.GetValueOrDefault("os_name") is { Length: > 0 } n ? n : $"{osId} {osVersion}".Trim();
        if (facts.TryGetValue("os_missing", out var missing))
        {
            findings.Add(new("os", false, $"cannot read {missing} to tell the operating system", "preflight.os_unsupported"));
        }
        else if (!SupportedOs.TryGetValue(osId, out var versions) || !versions.Any(v => osVersion == v || osVersion.StartsWith(v + ".", StringComparison.Ordinal)))
        {
            findings.Add(new("os", false, $"operating system '{osName}' (ID={osId}, VERSION_ID={osVersion}) is not supported by devstack; use {Describe()}", "preflight.os_unsupported"));
        }
        else
        {
            findings.Add(new("os", true, $"{osName} (ID={osId}, VERSION_ID={osVersion}) is supported", string.Empty));
        }

        if (Int(facts, "cpus") is { } cpus)
        {
            findings.Add(cpus < options.MinCpus
                ? new("cpus", false, $"{cpus} CPU(s), devstack needs at least {options.MinCpus}", "preflight.resources")
                : new("cpus", true, $"{cpus} CPU(s), at least {options.MinCpus} needed", string.Empty));
        }

        if (Long(facts, "mem_kb") is { } memKb)
        {
            findings.Add(memKb / 1024 < options.MinMemoryMiB
                ? new("memory", false, $"{memKb / 1024} MiB of memory, devstack needs at least {options.MinMemoryMiB} MiB", "preflight.resources")
                : new("memory", true, $"{memKb / 1024} MiB of memory, at least {options.MinMemoryMiB} MiB needed", string.Empty));
        }

        if (Long(facts, "disk_kb") is { } diskKb)
        {
            findings.Add(diskKb / 1024 / 1024 < options.MinFreeDiskGiB
                ? new("disk", false, $"{diskKb / 1024 / 1024} GiB free under {facts.GetValueOrDefault("disk_dir")}, devstack needs at least {options.MinFreeDiskGiB} GiB", "preflight.resources")
                : new("disk", true, $"{diskKb / 1024 / 1024} GiB free under {facts.GetValueOrDefault("disk_dir")}, at least {options.MinFreeDiskGiB} GiB needed", string.Empty));
        }

        findings.Add(facts.GetValueOrDefault("sudo") != "yes"
            ? new("sudo", false, "the login user cannot run 'sudo -n' (passwordless sudo is needed to create the stack user)", "preflight.sudo")
            : new("sudo", true, "the login user can run 'sudo -n'", string.Empty));
        return findings;
    }

    private static string Describe() =>
        string.Join(", ", SupportedOs.Select(kv => $"{kv.Key} {string.Join('/', kv.Value)}"));

    private static int? Int(IReadOnlyDictionary<string, string> facts, string key) =>
        facts.TryGetValue(key, out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static long? Long(IReadOnlyDictionary<string, string> facts, string key) =>
        facts.TryGetValue(key, out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var i) ? i : null;
}

/// <summary>One judged fact of the preflight.</summary>
/// <param name="Name">What was judged: <c>os</c>, <c>cpus</c>, <c>memory</c>, <c>disk</c>, <c>sudo</c>.</param>
/// <param name="Passed">Whether devstack can live with it.</param>
/// <param name="Detail">What was found (and, when it failed, what is needed).</param>
/// <param name="Code">The step's error code when it failed (<c>preflight.os_unsupported</c>, <c>preflight.resources</c>, <c>preflight.sudo</c>); empty when it passed.</param>
internal sealed record PreflightFinding(string Name, bool Passed, string Detail, string Code);
