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
        var problems = new List<string>();
        var code = "preflight.failed";
        var osId = facts.GetValueOrDefault("os_id") ?? string.Empty;
        var osVersion = facts.GetValueOrDefault("os_version") ?? string.Empty;
        var osName = facts.GetValueOrDefault("os_name") is { Length: > 0 } n ? n : $"{osId} {osVersion}".Trim();
        if (facts.TryGetValue("os_missing", out var missing))
        {
            problems.Add($"cannot read {missing} to tell the operating system");
            code = "preflight.os_unsupported";
        }
        else if (!SupportedOs.TryGetValue(osId, out var versions) || !versions.Any(v => osVersion == v || osVersion.StartsWith(v + ".", StringComparison.Ordinal)))
        {
            problems.Add($"operating system '{osName}' (ID={osId}, VERSION_ID={osVersion}) is not supported by devstack; use {Describe()}");
            code = "preflight.os_unsupported";
        }

        if (Int(facts, "cpus") is { } cpus && cpus < options.MinCpus)
        {
            problems.Add($"{cpus} CPU(s), devstack needs at least {options.MinCpus}");
            code = problems.Count == 1 ? "preflight.resources" : code;
        }

        if (Long(facts, "mem_kb") is { } memKb && memKb / 1024 < options.MinMemoryMiB)
        {
            problems.Add($"{memKb / 1024} MiB of memory, devstack needs at least {options.MinMemoryMiB} MiB");
            code = problems.Count == 1 ? "preflight.resources" : code;
        }

        if (Long(facts, "disk_kb") is { } diskKb && diskKb / 1024 / 1024 < options.MinFreeDiskGiB)
        {
            problems.Add($"{diskKb / 1024 / 1024} GiB free under {facts.GetValueOrDefault("disk_dir")}, devstack needs at least {options.MinFreeDiskGiB} GiB");
            code = problems.Count == 1 ? "preflight.resources" : code;
        }

        if (facts.GetValueOrDefault("sudo") != "yes")
        {
            problems.Add("the login user cannot run 'sudo -n' (passwordless sudo is needed to create the stack user)");
            code = problems.Count == 1 ? "preflight.sudo" : code;
        }

        if (problems.Count > 0)
        {
            throw new StepFailedException(code, $"Preflight of {endpoint} failed: {string.Join("; ", problems)}.", retryable: false);
        }
    }

    private static string Describe() =>
        string.Join(", ", SupportedOs.Select(kv => $"{kv.Key} {string.Join('/', kv.Value)}"));

    private static int? Int(IReadOnlyDictionary<string, string> facts, string key) =>
        facts.TryGetValue(key, out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static long? Long(IReadOnlyDictionary<string, string> facts, string key) =>
        facts.TryGetValue(key, out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var i) ? i : null;
}
