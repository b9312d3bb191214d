using System.Globalization;
using Workflows.Abstractions.Definitions;
using Workflows.Engine.Expressions;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>
/// Reads the approval policy of a <c>core.approval</c> step from its <c>with:</c>. The policy is fixed at load time (no
/// expressions), so the API and the portal can say who may decide before the step ever runs.
/// </summary>
internal static class ApprovalPolicyParser
{
    /// <summary>The most approvals a policy may require.</summary>
    public const int MaxRequired = 20;

    private static readonly string[] ApproverKeys = ["roles", "groups", "users"];
    private static readonly string[] KnownRoles = ["viewer", "operator", "admin"];

    /// <summary>Builds the policy, reporting each problem through <paramref name="error"/> (node, field, message).</summary>
    /// <param name="with">The mapping that holds the policy, or null for the default policy.</param>
    /// <param name="path">The mapping's field path, for messages.</param>
    /// <param name="error">Receives each problem: node, field, message.</param>
    /// <param name="requiredKey">The key of the number of approvals: <c>required</c> in a step, <c>approvals</c> under
    /// <c>plan:</c> (where <c>required</c> says whether a plan is required).</param>
    public static ApprovalPolicy Parse(YamlMappingNode? with, string path, Action<YamlNode?, string, string> error, string requiredKey = "required")
    {
        if (with is null)
        {
            return ApprovalPolicy.Default;
        }

        var roles = new List<string>();
        var groups = new List<string>();
        var users = new List<string>();
        if (Value(with, "approvers") is { } an)
        {
            if (an is not YamlMappingNode am || am.Children.Count == 0)
            {
                error(an, path + ".approvers", "must be a mapping with roles, groups and/or users, e.g. approvers: { groups: [platform-admins] }");
            }
            else
            {
                foreach (var (k, v) in am.Children)
                {
                    var key = (k as YamlScalarNode)?.Value ?? "";
                    var field = $"{path}.approvers.{YamlGuard.Cut(key)}";
                    var target = key switch { "roles" => roles, "groups" => groups, "users" => users, _ => null };
                    if (target is null)
                    {
                        error(k, field, $"unknown field '{YamlGuard.Cut(key)}'; allowed: {string.Join(", ", ApproverKeys)}");
                        continue;
                    }

                    var names = Names(v, field, error);
                    if (v is YamlSequenceNode { Children.Count: 0 })
                    {
                        error(v, field, $"must name at least one {key[..^1]} (leave it out instead)");
                    }

                    target.AddRange(names.Where(n => !target.Contains(n, StringComparer.Ordinal)));
                }

                foreach (var problem in users.Select(Workflows.Abstractions.Accounts.Actors.Problem).OfType<string>())
                {
                    error(Value(am, "users"), path + ".approvers.users", problem);
                }

                foreach (var role in roles.Where(r => !KnownRoles.Contains(r, StringComparer.Ordinal)))
                {
                    error(Value(am, "roles"), path + ".approvers.roles", $"'{YamlGuard.Cut(role)}' is not a role; the roles are {string.Join(", ", KnownRoles)}");
                }
            }
        }

        var required = 1;
        if (Literal(with, requiredKey, path, error) is { } rn)
        {
            if (!int.TryParse(rn.Value, NumberStyles.None, CultureInfo.InvariantCulture, out required) || required < 1 || required > MaxRequired)
            {
                error(rn, $"{path}.{requiredKey}", $"must be a whole number from 1 to {MaxRequired} (how many different people must approve), not '{YamlGuard.Cut(rn.Value ?? "")}'");
                required = 1;
            }
            else if (users.Count > 0 && roles.Count == 0 && groups.Count == 0 && required > users.Count)
            {
                error(rn, $"{path}.{requiredKey}", $"needs {required} approvals but approvers.users names only {users.Count}; the request could never be approved");
            }
        }

        var self = false;
        if (Literal(with, "allowSelfApproval", path, error) is { } sn)
        {
            if (sn.Value is not ("true" or "false"))
            {
                error(sn, path + ".allowSelfApproval", $"must be true or false, not '{YamlGuard.Cut(sn.Value ?? "")}'");
            }

            self = sn.Value == "true";
        }

        var expiry = ApprovalExpiry.Reject;
        if (Literal(with, "onExpiry", path, error) is { } en)
        {
            switch (en.Value)
            {
                case "reject":
                    break;
                case "approve":
                    expiry = ApprovalExpiry.Approve;
                    break;
                default:
                    error(en, path + ".onExpiry", $"must be reject or approve, not '{YamlGuard.Cut(en.Value ?? "")}'");
                    break;
            }
        }

        return new ApprovalPolicy { Roles = roles, Groups = groups, Users = users, Required = required, AllowSelfApproval = self, OnExpiry = expiry };
    }

    private static YamlNode? Value(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

    /// <summary>A policy scalar: present, a single value and no expression (the policy must be known before the run).</summary>
    private static YamlScalarNode? Literal(YamlMappingNode with, string key, string path, Action<YamlNode?, string, string> error)
    {
        switch (Value(with, key))
        {
            case null:
                return null;
            case YamlScalarNode s when Template.MayContainExpression(s.Value ?? ""):
                error(s, $"{path}.{key}", "must be a plain value, not an expression: the approval policy is fixed when the definition is loaded");
                return null;
            case YamlScalarNode s:
                return s;
            case var other:
                error(other, $"{path}.{key}", "must be a single value, not a list or mapping");
                return null;
        }
    }

    private static List<string> Names(YamlNode node, string field, Action<YamlNode?, string, string> error)
    {
        var items = node switch
        {
            YamlScalarNode s => [s],
            YamlSequenceNode q => q.Children,
            _ => null,
        };
        if (items is null)
        {
            error(node, field, "must be a list of names");
            return [];
        }

        var names = new List<string>();
        foreach (var item in items)
        {
            if (item is not YamlScalarNode { Value: { Length: > 0 } v })
            {
                error(item, field, "must be a list of names");
            }
            else if (Template.MayContainExpression(v))
            {
                error(item, field, "must name approvers plainly, not with an expression: the approval policy is fixed when the definition is loaded");
            }
            else if (v.Length > 200 || v.Any(char.IsControl))
            {
                error(item, field, $"'{YamlGuard.Cut(v)}' is not a valid name (at most 200 characters, no control characters)");
            }
            else
            {
                names.Add(v);
            }
        }

        return names;
    }
}
