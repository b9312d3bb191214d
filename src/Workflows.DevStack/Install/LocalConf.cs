using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Workflows.Abstractions.Actions;

namespace Workflows.DevStack.Install;

/// <summary>Validates the install inputs and renders devstack's local.conf from them.</summary>
internal static partial class LocalConf
{
    /// <summary>Checks what would break local.conf, a shell line or a path; throws <c>inputs.invalid</c> (not retryable).</summary>
    public static void Validate(DevStackInstallInputs inputs)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(inputs.Host) || inputs.Host.Any(char.IsWhiteSpace))
        {
            errors.Add("host: required, without spaces");
        }

        if (inputs.Port is < 1 or > 65535)
        {
            errors.Add("port: must be 1–65535");
        }

        if (!NameRegex().IsMatch(inputs.User))
        {
            errors.Add("user: must be a Unix user name");
        }

        if (!NameRegex().IsMatch(inputs.StackUser))
        {
            errors.Add("stackUser: must be a Unix user name");
        }

        foreach (var (field, path) in new[] { ("stackHome", inputs.StackHome), ("devstackDir", inputs.DevstackFolder), ("osReleasePath", inputs.OsReleasePath) })
        {
            if (!PathRegex().IsMatch(path))
            {
                errors.Add($"{field}: must be an absolute path of letters, digits, '/', '.', '_' and '-'");
            }
        }

        if (inputs.HostIp is { } ip && !IPAddress.TryParse(ip, out _))
        {
            errors.Add("hostIp: must be an IP address");
        }

        foreach (var (field, cidr) in new[] { ("floatingRange", inputs.FloatingRange), ("fixedRange", inputs.FixedRange) })
        {
            if (cidr is not null && !IPNetwork.TryParse(cidr, out _))
            {
                errors.Add($"{field}: must be a CIDR such as 172.24.4.0/24");
            }
        }

        if (!ValueRegex().IsMatch(inputs.Region))
        {
            errors.Add("region: letters, digits, '.', '_' and '-' only");
        }

        if (inputs.AdminPassword is { } pw && !PasswordRegex().IsMatch(pw.Reveal()))
        {
            // Never echo the value: say what is allowed.
            errors.Add("adminPassword: 8–64 characters of letters, digits and . _ - + = @ % , : only (devstack reads it in bash)");
        }

        if (string.IsNullOrWhiteSpace(inputs.Branch) || inputs.Branch.Any(char.IsWhiteSpace) || inputs.Branch.StartsWith('-'))
        {
            errors.Add("branch: required, without spaces");
        }

        if (string.IsNullOrWhiteSpace(inputs.RepositoryUrl) || inputs.RepositoryUrl.Any(char.IsWhiteSpace) || inputs.RepositoryUrl.StartsWith('-'))
        {
            errors.Add("repositoryUrl: required, without spaces");
        }

        foreach (var plugin in inputs.Plugins)
        {
            var parts = plugin.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is < 1 or > 3 || !PluginRegex().IsMatch(parts[0]))
            {
                errors.Add($"plugins: '{plugin}' must be 'name', 'name url' or 'name url branch'");
            }
        }

        foreach (var line in inputs.ExtraLocalConf)
        {
            if (line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal))
            {
                errors.Add("extraLocalConf: one line per item");
            }
            else if (line.TrimStart().StartsWith("ADMIN_PASSWORD=", StringComparison.Ordinal))
            {
                errors.Add("extraLocalConf: set the admin password with adminPassword, not a local.conf line");
            }
        }

        if (errors.Count > 0)
        {
            throw new StepFailedException("inputs.invalid", "Invalid devstack.install inputs: " + string.Join("; ", errors), retryable: false);
        }
    }

    /// <summary>Renders local.conf. The result holds the password: only ever log it through the redactor.</summary>
    public static string Render(DevStackInstallInputs inputs, string adminPassword)
    {
        var sb = new StringBuilder();
        sb.Append("# Written by Workflows (devstack.install); edits are replaced on the next install.\n");
        sb.Append("[[local|localrc]]\n");
        sb.Append("ADMIN_PASSWORD=").Append(adminPassword).Append('\n');
        sb.Append("DATABASE_PASSWORD=$ADMIN_PASSWORD\n");
        sb.Append("RABBIT_PASSWORD=$ADMIN_PASSWORD\n");
        sb.Append("SERVICE_PASSWORD=$ADMIN_PASSWORD\n");
        sb.Append("DEST=").Append(inputs.StackHome.TrimEnd('/')).Append('\n');
        sb.Append("REGION_NAME=").Append(inputs.Region).Append('\n');
        if (inputs.HostIp is { } ip)
        {
            sb.Append("HOST_IP=").Append(ip).Append('\n');
        }

        if (inputs.FloatingRange is { } floating)
        {
            sb.Append("FLOATING_RANGE=").Append(floating).Append('\n');
        }

        if (inputs.FixedRange is { } fixedRange)
        {
            sb.Append("FIXED_RANGE=").Append(fixedRange).Append('\n');
        }

        foreach (var plugin in inputs.Plugins)
        {
            var parts = plugin.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var url = parts.Length > 1 ? parts[1] : "https://opendev.org/openstack/" + parts[0];
            var branch = parts.Length > 2 ? parts[2] : inputs.Branch;
            sb.Append("enable_plugin ").Append(parts[0]).Append(' ').Append(url).Append(' ').Append(branch).Append('\n');
        }

        foreach (var line in inputs.ExtraLocalConf)
        {
            sb.Append(line).Append('\n');
        }

        return sb.ToString();
    }

    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    private static partial Regex NameRegex();

    [GeneratedRegex("^/[A-Za-z0-9/._-]*$")]
    private static partial Regex PathRegex();

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex ValueRegex();

    [GeneratedRegex("^[A-Za-z0-9._+=@%,:-]{8,64}$")]
    private static partial Regex PasswordRegex();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex PluginRegex();
}
