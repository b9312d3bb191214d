using System.Globalization;
using Workflows.Abstractions.Actions;

namespace Workflows.DevStack.Resources;

/// <summary>
/// How a <c>devstack.install</c> ledger row is reached and deleted: the provider is the host, the external id
/// <c>host:devstackDir</c>, the properties the SSH port, login user, pinned host key, stack user and folders (recorded by
/// <c>devstack.install</c>; rows of earlier versions lack some, and the defaults of <c>devstack.install</c> stand in).
/// Never credentials: the server's own key reaches the host (<see cref="DevStackOptions.PrivateKeyFile"/>).
/// </summary>
public static class DevStackInstallDeleter
{
    /// <summary>The ledger kind <c>devstack.install</c> records.</summary>
    public const string Kind = "devstack.install";

    /// <summary>The action that deletes one: <c>devstack.unstack</c> with <c>clean</c> and <c>removeCheckout</c>.</summary>
    public const string Action = "devstack.unstack";

    /// <summary>Returns the inputs of <see cref="Action"/> for a ledger row (literal strings; no credentials).</summary>
    /// <param name="row">The ledger row.</param>
    public static IReadOnlyDictionary<string, string> Inputs(ResourceEntry row)
    {
        var r = Read(row);
        var inputs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = r.Host,
            ["port"] = r.Port.ToString(CultureInfo.InvariantCulture),
            ["user"] = r.User,
            ["stackUser"] = r.StackUser,
            ["stackHome"] = r.StackHome,
            ["devstackDir"] = r.DevstackDir,
            ["clean"] = "true",
            ["removeCheckout"] = "true",
        };
        if (r.HostKeyFingerprint is { } fingerprint)
        {
            inputs["hostKeyFingerprint"] = fingerprint;
        }

        return inputs;
    }

    /// <summary>Reads what a ledger row says of the install and of how its host is reached.</summary>
    /// <param name="row">The ledger row.</param>
    /// <exception cref="ArgumentException">When the row names no host or no devstack folder.</exception>
    public static InstallLocation Read(ResourceEntry row)
    {
        ArgumentNullException.ThrowIfNull(row);
        string? Property(string key) => row.Properties.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        var host = row.Provider is { Length: > 0 } p ? p : throw new ArgumentException($"{row.Kind} {row.ExternalId} records no host", nameof(row));

        // The external id is host:folder; the folder starts at the first ":/" (an IPv6 host has colons of its own).
        var at = row.ExternalId.IndexOf(":/", StringComparison.Ordinal);
        var dir = Property("devstackDir") ?? (at >= 0 ? row.ExternalId[(at + 1)..] : throw new ArgumentException($"{row.Kind} {row.ExternalId} records no devstack folder", nameof(row)));
        var port = int.TryParse(Property("port"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 22;
        var stackHome = Property("stackHome") ?? (dir.EndsWith("/devstack", StringComparison.Ordinal) ? dir[..^"/devstack".Length] : "/opt/stack");
        return new InstallLocation(host, port, Property("user") ?? "ubuntu", Property("hostKeyFingerprint"), Property("stackUser") ?? "stack", stackHome, dir);
    }
}

/// <summary>Where a DevStack install is and how its host is reached.</summary>
/// <param name="Host">The host.</param>
/// <param name="Port">The SSH port.</param>
/// <param name="User">The login user.</param>
/// <param name="HostKeyFingerprint">The host key seen at install, or null (trusted on first use).</param>
/// <param name="StackUser">The user that ran stack.sh.</param>
/// <param name="StackHome">The stack user's home.</param>
/// <param name="DevstackDir">The devstack folder.</param>
public sealed record InstallLocation(string Host, int Port, string User, string? HostKeyFingerprint, string StackUser, string StackHome, string DevstackDir);
