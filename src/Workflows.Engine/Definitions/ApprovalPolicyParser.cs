using System.Globalization;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Yaml;
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

    /// <summary>Builds the policy, reporting each problem to <paramref name="ctx"/>.</summary>
    /// <param name="ctx">The file's reader.</param>
    /// <param name="with">The mapping that holds the policy, or null for the default policy.</param>
    /// <param name="path">The mapping's field path, for messages.</param>
    /// <param name="requiredKey">The key of the number of approvals: <c>required</c> in a step, <c>approvals</c> under
    /// <c>plan:</c> (where <c>required</c> says whether a plan is required).</param>
    public static ApprovalPolicy Parse(DefinitionReader ctx, YamlNode? with, string path, string requiredKey = "required")
    {
        if (with is null)
        {
            return ApprovalPolicy.Default;
        }

        var roles = new List<string>();
        var groups = new List<string>();
        var users = new List<string>();
        if (DefinitionReader.Value(with, "approvers") is { } an)
        {
            if (YamlReader.ShapeOf(an) != YamlShape.Mapping || YamlReader.Count(an) == 0)
            {
                ctx.Error(an, path + ".approvers", "must be a mapping with roles, groups and/or users, e.g. approvers: { groups: [platform-admins] }");
            }
            else
            {
                foreach (var entry in ctx.Entries(an, path + ".approvers"))
                {
                    var key = entry.Key;
                    var field = $"{path}.approvers.{YamlGuard.Cut(key)}";
                    var target = key switch { "roles" => roles, "groups" => groups, "users" => users, _ => null };
                    if (target is null)
                    {
                        ctx.Error(entry.KeyNode, field, $"unknown field '{YamlGuard.Cut(key)}'{YamlReader.DidYouMean(key, ApproverKeys)}; allowed: {string.Join(", ", ApproverKeys)}");
                        continue;
                    }

                    var names = Names(ctx, entry.Value, field);
                    if (YamlReader.ShapeOf(entry.Value) == YamlShape.List && YamlReader.Count(entry.Value) == 0)
                    {
                        ctx.Error(entry.Value, field, $"must name at least one {key[..^1]} (leave it out instead)");
                    }

                    target.AddRange(names.Where(n => !target.Contains(n, StringComparer.Ordinal)));
                }

                foreach (var problem in users.Select(Workflows.Abstractions.Accounts.Actors.Problem).OfType<string>())
                {
                    ctx.Error(DefinitionReader.Value(an, "users"), path + ".approvers.users", problem);
                }

                foreach (var role in roles.Where(r => !KnownRoles.Contains(r, StringComparer.Ordinal)))
                {
                    ctx.Error(DefinitionReader.Value(an, "roles"), path + ".approvers.roles", $"'{YamlGuard.Cut(role)}' is not a role{YamlReader.DidYouMean(role, KnownRoles)}; the roles are {string.Join(", ", KnownRoles)}");
                }
            }
        }

        var required = 1;
        if (Literal(ctx, with, requiredKey, path) is var (rn, rv))
        {
            if (!int.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out required) || required < 1 || required > MaxRequired)
            {
                ctx.Error(rn, $"{path}.{requiredKey}", $"must be a whole number from 1 to {MaxRequired} (how many different people must approve), not '{YamlGuard.Cut(rv)}'");
                required = 1;
            }
            else if (users.Count > 0 && roles.Count == 0 && groups.Count == 0 && required > users.Count)
            {
                ctx.Error(rn, $"{path}.{requiredKey}", $"needs {required} approvals but approvers.users names only {users.Count}; the request could never be approved");
            }
        }

        var self = false;
        if (Literal(ctx, with, "allowSelfApproval", path) is var (sn, sv))
        {
            if (sv is not ("true" or "false"))
            {
                ctx.Error(sn, path + ".allowSelfApproval", $"must be true or false, not '{YamlGuard.Cut(sv)}'");
            }

            self = sv == "true";
        }

        var expiry = ApprovalExpiry.Reject;
        if (Literal(ctx, with, "onExpiry", path) is var (en, ev))
        {
            switch (ev)
            {
                case "reject":
                    break;
                case "approve":
                    expiry = ApprovalExpiry.Approve;
                    break;
                default:
                    ctx.Error(en, path + ".onExpiry", $"must be reject or approve, not '{YamlGuard.Cut(ev)}'");
                    break;
            }
        }

        return new ApprovalPolicy { Roles = roles, Groups = groups, Users = users, Required = required, AllowSelfApproval = self, OnExpiry = expiry };
    }

    /// <summary>A policy value: present, a single value and no expression (the policy must be known before the run).</summary>
    private static (YamlNode Node, string Text)? Literal(DefinitionReader ctx, YamlNode with, string key, string path)
    {
        var node = DefinitionReader.Value(with, key);
        switch (YamlReader.ShapeOf(node))
        {
            case YamlShape.Missing:
                return null;
            case YamlShape.List or YamlShape.Mapping:
                ctx.Error(node, $"{path}.{key}", "must be a single value, not a list or mapping");
                return null;
            case var _ when Template.MayContainExpression(YamlReader.TextOf(node) ?? ""):
                ctx.Error(node, $"{path}.{key}", "must be a plain value, not an expression: the approval policy is fixed when the definition is loaded");
                return null;
            default:
                return (node!, YamlReader.TextOf(node) ?? "");
        }
    }

    private static List<string> Names(DefinitionReader ctx, YamlNode node, string field)
    {
        var shape = YamlReader.ShapeOf(node);
        if (shape is not (YamlShape.Scalar or YamlShape.Empty or YamlShape.List))
        {
            ctx.Error(node, field, "must be a list of names");
            return [];
        }

        var items = shape == YamlShape.List ? ctx.Items(node, field).Select(i => i.Node) : [node];
        var names = new List<string>();
        foreach (var item in items)
        {
            if (YamlReader.TextOf(item) is not { Length: > 0 } v)
            {
                ctx.Error(item, field, "must be a list of names");
            }
            else if (Template.MayContainExpression(v))
            {
                ctx.Error(item, field, "must name approvers plainly, not with an expression: the approval policy is fixed when the definition is loaded");
            }
            else if (v.Length > 200 || v.Any(char.IsControl))
            {
                ctx.Error(item, field, $"'{YamlGuard.Cut(v)}' is not a valid name (at most 200 characters, no control characters)");
            }
            else
            {
                names.Add(v);
            }
        }

        return names;
    }
}
