using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Abstractions.Yaml;
using Workflows.Engine.Actions;
using Workflows.Engine.Expressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>The outcome of parsing one definition file.</summary>
/// <param name="Definition">The definition, when there are no errors.</param>
/// <param name="Errors">Every problem found, with line and column.</param>
public sealed record ParseResult(WorkflowDefinition? Definition, IReadOnlyList<DefinitionError> Errors);

/// <summary>
/// Parses and validates workflow YAML: structure, types, the DAG, expressions and action inputs.
/// Reports every problem with file, line, column and field, rather than stopping at the first.
/// </summary>
/// <param name="actions">The actions steps may use.</param>
/// <param name="channels">
/// The configured notification channels that <c>notify:</c> may name, or null to accept any name (stored versions are
/// parsed that way, so a channel removed from configuration never strands a pinned run).
/// </param>
public sealed partial class DefinitionParser(IEnumerable<ActionDescriptor> actions, IReadOnlyCollection<string>? channels = null)
{
    private static readonly string[] TopKeys = ["name", "description", "inputs", "concurrency", "onFailure", "requires", "permissions", "notify", "triggers", "plan", "steps"];
    private static readonly string[] PermissionKeys = ["run"];
    private static readonly string[] PlanKeys = ["required", "approvers", "approvals", "allowSelfApproval", "onExpiry", "expiresIn"];
    private static readonly string[] InputKeys = ["type", "required", "default", "pattern", "patternHint", "maxLength", "description", "values"];
    private static readonly string[] StepKeys = ["id", "name", "uses", "with", "needs", "if", "retry", "timeout", "poll", "compensate"];
    private static readonly string[] RetryKeys = ["attempts", "backoff", "initialDelay", "maxDelay", "jitter", "nonRetryable"];
    private static readonly string[] CompensateKeys = ["uses", "with", "retry", "timeout", "poll"];
    private static readonly string[] PollKeys = ["initial", "factor", "max"];
    private static readonly string[] ScheduleKeys = ["name", "cron", "timezone", "inputs", "overlap"];
    private static readonly string[] WebhookKeys = ["name", "inputs", "filter"];
    private static readonly string[] RunFields = ["id", "workflow", "version", "actor", "trigger"];

    private readonly Dictionary<string, ActionDescriptor> actions = actions.GroupBy(a => a.Name).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    /// <summary>Computes the version of a definition text: the first 12 hex digits of its SHA-256.</summary>
    public static string VersionOf(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];

    /// <summary>Parses the bytes of <paramref name="file"/>: UTF-8 (with or without BOM), at most <see cref="DefinitionLimits.MaxFileBytes"/>.</summary>
    /// <remarks>Never throws for any content: every problem is an error with file, line and column.</remarks>
    public ParseResult Parse(string file, ReadOnlySpan<byte> bytes) =>
        YamlGuard.Decode(file, bytes, out var error) is { } text ? Parse(file, text) : new ParseResult(null, [error!]);

    /// <summary>Parses <paramref name="text"/> read from <paramref name="file"/>.</summary>
    /// <remarks>Never throws for any content: every problem is an error with file, line and column.</remarks>
    public ParseResult Parse(string file, string text)
    {
        try
        {
            if (YamlGuard.Check(file, text) is { } unsafeText)
            {
                return new ParseResult(null, [unsafeText]);
            }

            return ParseChecked(file, text);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug of ours must not take the catalog down: the file is refused, the rest still loads.
            // The exception's message may quote the file, so only its type is reported.
            return new ParseResult(null, [new DefinitionError(file, 1, 1, "", $"could not be checked ({e.GetType().Name} in the definition parser); please report this file as a bug")]);
        }
    }

    private ParseResult ParseChecked(string file, string text)
    {
        var ctx = new Ctx(file);
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode m)
            {
                var at = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
                ctx.Error(at, "", "the file must hold one YAML mapping with name, steps, …");
                return new ParseResult(null, ctx.Errors);
            }

            root = m;
        }
        catch (YamlException e)
        {
            ctx.Errors.Add(new DefinitionError(file, Math.Max(1, (int)e.Start.Line), Math.Max(1, (int)e.Start.Column), "", Ctx.Cap($"YAML syntax: {Inner(e).Message}")));
            return new ParseResult(null, ctx.Errors);
        }

        ctx.CheckKeys(root, "", TopKeys);
        var name = ctx.RequiredString(root, "name", "");
        if (name is not null && !NameRegex().IsMatch(name))
        {
            ctx.Error(Value(root, "name"), "name", $"'{YamlGuard.Cut(name)}' is not a valid workflow name: use lowercase letters, digits and '-', starting with a letter or digit");
        }

        var description = ctx.OptionalString(root, "description", "") ?? "";
        var inputs = ParseInputs(ctx, Value(root, "inputs"));
        var concurrency = ctx.OptionalString(root, "concurrency", "");
        var onFailure = FailurePolicy.Compensate;
        if (ctx.OptionalString(root, "onFailure", "") is { } of)
        {
            if (!Enum.TryParse(of, ignoreCase: true, out onFailure) || !Enum.IsDefined(onFailure))
            {
                ctx.Error(Value(root, "onFailure"), "onFailure", $"'{YamlGuard.Cut(of)}' is not valid: use compensate or hold");
            }
        }

        var requires = ParseRequires(ctx, Value(root, "requires"));
        var permissions = ParsePermissions(ctx, Value(root, "permissions"));
        var notify = ParseNotify(ctx, Value(root, "notify"));
        var triggers = ParseTriggers(ctx, Value(root, "triggers"));
        var steps = ParseSteps(ctx, Value(root, "steps"));
        if (Value(root, "steps") is null)
        {
            ctx.Error(root, "steps", "is required: a workflow needs at least one step");
        }

        var planGate = ParsePlan(ctx, Value(root, "plan"));
        if (planGate is not null && steps.FirstOrDefault(s => s.Def.Id == WorkflowDefinition.PlanApprovalStepId) is { } taken)
        {
            ctx.Error(Value(taken.Node, "id") ?? taken.Node, taken.Path + ".id", $"'{WorkflowDefinition.PlanApprovalStepId}' is the id of the approval that plan: required adds; give this step another id");
        }

        ValidateGraph(ctx, steps, root);
        ValidateExpressions(ctx, inputs, steps, concurrency, root);

        if (ctx.Errors.Count > 0 || name is null)
        {
            return new ParseResult(null, ctx.Errors);
        }

        var def = new WorkflowDefinition
        {
            Name = name,
            Description = description,
            Version = VersionOf(text),
            Source = file,
            Inputs = inputs.Select(i => i.Def).ToList(),
            Concurrency = concurrency,
            OnFailure = onFailure,
            Requires = requires,
            Permissions = permissions,
            Notify = notify,
            Triggers = triggers,
            PlanRequired = planGate is not null,
            Steps = planGate is null ? steps.Select(s => s.Def).ToList() : WithPlanApproval(planGate, steps.Select(s => s.Def)),
        };
        return new ParseResult(def, []);
    }

    /// <summary>What <c>plan: required</c> asks for: the policy and expiry of the approval of the plan.</summary>
    private sealed record PlanGate(ApprovalPolicy Policy, string ExpiresIn);

    /// <summary>
    /// Reads <c>plan:</c>: <c>required</c>, or a mapping <c>{ required: true, approvers: …, approvals: 2,
    /// allowSelfApproval, onExpiry, expiresIn }</c> whose policy is that of a <c>core.approval</c> step (<c>approvals</c>
    /// is its <c>required</c>). Null when no plan is required.
    /// </summary>
    private static PlanGate? ParsePlan(Ctx ctx, YamlNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode { Value: "required" }:
                return new PlanGate(ApprovalPolicy.Default, "24h");
            case YamlScalarNode s:
                ctx.Error(s, "plan", $"must be 'required' or a mapping such as {{ required: true, approvers: {{ groups: [platform-admins] }} }}, not '{YamlGuard.Cut(s.Value ?? "")}'");
                return null;
            case YamlMappingNode map:
                ctx.CheckKeys(map, "plan", PlanKeys);
                var required = ctx.OptionalBool(map, "required", "plan");
                if (required is null && Value(map, "required") is null)
                {
                    ctx.Error(map, "plan.required", "is required: true to plan every run and ask for an approval of its plan first, false to not");
                }

                var policy = ApprovalPolicyParser.Parse(map, "plan", ctx.Error, requiredKey: "approvals");
                var expiresIn = ctx.OptionalString(map, "expiresIn", "plan") ?? "24h";
                if (Duration.TryParse(expiresIn, out var err) is null)
                {
                    ctx.Error(Value(map, "expiresIn"), "plan.expiresIn", err ?? $"'{YamlGuard.Cut(expiresIn)}' is not a duration");
                }

                return required == true ? new PlanGate(policy, expiresIn) : null;
            default:
                ctx.Error(node, "plan", "must be 'required' or a mapping such as { required: true, approvers: { groups: [platform-admins] } }");
                return null;
        }
    }

    /// <summary>
    /// The steps behind the approval of the plan: <see cref="WorkflowDefinition.PlanApprovalStepId"/> first, needed by
    /// every step that needed nothing. It is an ordinary <c>core.approval</c> step, so the state machine, the inbox, the
    /// policy, the expiry and the notifications treat it as any other approval.
    /// </summary>
    private static List<StepDefinition> WithPlanApproval(PlanGate gate, IEnumerable<StepDefinition> steps)
    {
        var p = gate.Policy;
        var with = new JsonObject
        {
            ["message"] = "Approve the plan of this run: review what it will create, change and delete",
            ["expiresIn"] = gate.ExpiresIn,
            ["required"] = p.Required,
            ["allowSelfApproval"] = p.AllowSelfApproval,
            ["onExpiry"] = p.OnExpiry == ApprovalExpiry.Approve ? "approve" : "reject",
        };
        var list = new List<StepDefinition>
        {
            new() { Id = WorkflowDefinition.PlanApprovalStepId, Name = "Approve the plan", Uses = ApprovalAction.Name, With = with, Approval = p, Line = 1 },
        };
        foreach (var s in steps)
        {
            list.Add(s.Needs.Count > 0 ? s : new StepDefinition
            {
                Id = s.Id, Name = s.Name, Uses = s.Uses, With = s.With, Needs = [WorkflowDefinition.PlanApprovalStepId], If = s.If, Retry = s.Retry,
                Timeout = s.Timeout, Poll = s.Poll, Compensate = s.Compensate, Approval = s.Approval, Line = s.Line,
            });
        }

        return list;
    }

    private static Exception Inner(Exception e) => e.InnerException is YamlException ie ? Inner(ie) : e;

    private static YamlNode? Value(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

    private static Dictionary<string, string> ParseRequires(Ctx ctx, YamlNode? node)
    {
        var requires = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is null)
        {
            return requires;
        }

        if (node is not YamlMappingNode map)
        {
            ctx.Error(node, "requires", "must be a mapping of requirement name to a value, e.g. docker: \"${{ inputs.dockerHost }}\"");
            return requires;
        }

        foreach (var (k, v) in map.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            if (!IdentRegex().IsMatch(name))
            {
                ctx.Error(k, "requires", $"'{name}' is not a valid requirement name");
                continue;
            }

            if (v is not YamlScalarNode value)
            {
                ctx.Error(v, $"requires.{name}", "must be a text or an expression (empty for the server's default)");
                continue;
            }

            ctx.CheckTemplate(v, $"requires.{name}", value.Value ?? "");
            requires[name] = value.Value ?? "";
        }

        return requires;
    }

    private static WorkflowPermissions ParsePermissions(Ctx ctx, YamlNode? node)
    {
        if (node is null)
        {
            return WorkflowPermissions.None;
        }

        if (node is not YamlMappingNode map)
        {
            ctx.Error(node, "permissions", "must be a mapping, e.g. permissions: { run: [platform-admins] }");
            return WorkflowPermissions.None;
        }

        ctx.CheckKeys(map, "permissions", PermissionKeys);
        var runNode = Value(map, "run");
        if (runNode is YamlSequenceNode { Children.Count: 0 })
        {
            ctx.Error(runNode, "permissions.run", "must name at least one group (leave out permissions to let every operator run it)");
        }

        var run = ctx.StringList(runNode, "permissions.run");
        foreach (var group in run.Where(g => g.Length > 200 || g.Any(char.IsControl)))
        {
            ctx.Error(runNode, "permissions.run", $"'{YamlGuard.Cut(group)}' is not a valid group name (at most 200 characters, no control characters)");
        }

        return new WorkflowPermissions { Run = run.Distinct(StringComparer.Ordinal).ToList() };
    }

    private Dictionary<string, IReadOnlyList<string>> ParseNotify(Ctx ctx, YamlNode? node)
    {
        var notify = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (node is null)
        {
            return notify;
        }

        if (node is not YamlMappingNode map)
        {
            ctx.Error(node, "notify", "must be a mapping of event to channel names, e.g. notify: { run.failed: [ops-webhook] }");
            return notify;
        }

        foreach (var (k, v) in map.Children)
        {
            var ev = (k as YamlScalarNode)?.Value ?? "";
            if (!NotificationEvents.All.Contains(ev, StringComparer.Ordinal))
            {
                ctx.Error(k, "notify", $"unknown event '{YamlGuard.Cut(ev)}'; use {string.Join(", ", NotificationEvents.All)}");
                continue;
            }

            var path = $"notify.{ev}";
            if (v is YamlSequenceNode { Children.Count: 0 })
            {
                ctx.Error(v, path, "must name at least one channel");
            }

            var names = ctx.StringList(v, path);
            foreach (var name in names.Where(n => channels is not null && !channels.Contains(n, StringComparer.Ordinal)))
            {
                ctx.Error(v, path, channels!.Count == 0
                    ? $"unknown channel '{YamlGuard.Cut(name)}': the server has no notification channels (configure Workflows:Notifications:Channels)"
                    : $"unknown channel '{YamlGuard.Cut(name)}'; configured channels: {string.Join(", ", channels.Order(StringComparer.Ordinal))}");
            }

            notify[ev] = names.Distinct(StringComparer.Ordinal).ToList();
        }

        return notify;
    }

    private List<ParsedInput> ParseInputs(Ctx ctx, YamlNode? node)
    {
        var list = new List<ParsedInput>();
        if (node is null)
        {
            return list;
        }

        if (node is not YamlMappingNode map)
        {
            ctx.Error(node, "inputs", "must be a mapping of input name to its type and options");
            return list;
        }

        foreach (var (k, v) in map.Children)
        {
            var iname = ((YamlScalarNode)k).Value ?? "";
            var path = $"inputs.{YamlGuard.Cut(iname)}";
            if (!IdentRegex().IsMatch(iname))
            {
                ctx.Error(k, path, $"'{YamlGuard.Cut(iname)}' is not a valid input name: use letters, digits and '_', starting with a letter");
                continue;
            }

            if (v is YamlScalarNode typeOnly)
            {
                // Short form "name: string".
                if (ParseType(ctx, typeOnly, path) is { } t)
                {
                    list.Add(new ParsedInput(new InputDefinition { Name = iname, Type = t }, k));
                }

                continue;
            }

            if (v is not YamlMappingNode im)
            {
                ctx.Error(v, path, "must be a type name or a mapping with type, required, default, pattern, patternHint, maxLength, description, values");
                continue;
            }

            ctx.CheckKeys(im, path, InputKeys);
            var type = InputType.String;
            if (Value(im, "type") is { } tn)
            {
                type = ParseType(ctx, tn, path + ".type") ?? InputType.String;
            }

            var values = ctx.StringList(Value(im, "values"), path + ".values");
            if (type == InputType.Enum && values.Count == 0)
            {
                ctx.Error(Value(im, "type"), path + ".values", "an enum needs a non-empty list of values");
            }

            var pattern = ctx.OptionalString(im, "pattern", path);
            if (pattern is { Length: > DefinitionLimits.MaxPatternLength })
            {
                ctx.Error(Value(im, "pattern"), path + ".pattern", FormattableString.Invariant($"is {pattern.Length:N0} characters long; a pattern may have at most {DefinitionLimits.MaxPatternLength:N0}"));
                pattern = null;
            }
            else if (pattern is not null)
            {
                try
                {
                    // Compiled as values are matched (whole value), so a pattern that only works unwrapped is caught here.
                    _ = InputRules.WholeValuePattern(pattern);
                }
                catch (ArgumentException e)
                {
                    ctx.Error(Value(im, "pattern"), path + ".pattern", $"is not a valid regular expression: {e.Message}");
                    pattern = null;
                }
            }

            var patternHint = ctx.OptionalString(im, "patternHint", path);
            if (patternHint is not null && Value(im, "pattern") is null)
            {
                ctx.Error(Value(im, "patternHint"), path + ".patternHint", "says what a pattern asks for, but this input has no pattern: add pattern: or remove patternHint:");
                patternHint = null;
            }
            else if (patternHint is not null && (patternHint.Trim().Length == 0 || patternHint.Length > 200 || patternHint.Any(char.IsControl)))
            {
                ctx.Error(Value(im, "patternHint"), path + ".patternHint", "must be a short text in words (1 to 200 characters on one line), e.g. \"lowercase letters, digits and '-'\"");
                patternHint = null;
            }

            var maxLength = ctx.OptionalInt(im, "maxLength", path);
            if (maxLength is < 1 or > InputRules.MaxMaxLength)
            {
                ctx.Error(Value(im, "maxLength"), path + ".maxLength", FormattableString.Invariant($"must be between 1 and {InputRules.MaxMaxLength:N0} characters, not {maxLength:N0}"));
                maxLength = null;
            }

            JsonNode? def = null;
            if (Value(im, "default") is { } dn)
            {
                def = ToJson(dn);
                if (type == InputType.Secret && def is not null)
                {
                    ctx.Error(dn, path + ".default", "a secret cannot have a default in the definition file; pass it at run time");
                }
                else if (def is not null)
                {
                    var probe = new InputDefinition { Name = iname, Type = type, Pattern = pattern, PatternHint = patternHint, Values = values, MaxLength = maxLength };
                    if (InputValidator.Check(probe, def, out _) is { } err)
                    {
                        ctx.Error(dn, path + ".default", err);
                    }
                }
            }

            list.Add(new ParsedInput(
                new InputDefinition
                {
                    Name = iname,
                    Type = type,
                    Required = ctx.OptionalBool(im, "required", path) ?? false,
                    Default = def,
                    Pattern = pattern,
                    PatternHint = patternHint,
                    MaxLength = maxLength,
                    Description = ctx.OptionalString(im, "description", path),
                    Values = values,
                },
                k));
        }

        return list;
    }

    private static InputType? ParseType(Ctx ctx, YamlNode node, string path)
    {
        var text = (node as YamlScalarNode)?.Value ?? "";
        if (Enum.TryParse<InputType>(text, ignoreCase: true, out var t) && Enum.IsDefined(t) && !int.TryParse(text, CultureInfo.InvariantCulture, out _))
        {
            return t;
        }

        ctx.Error(node, path, $"unknown type '{YamlGuard.Cut(text)}': use string, int, bool, enum, cidr, ip, secret or cloud");
        return null;
    }

    private List<TriggerDefinition> ParseTriggers(Ctx ctx, YamlNode? node)
    {
        var list = new List<TriggerDefinition>();
        if (node is null)
        {
            return list;
        }

        if (node is not YamlSequenceNode seq)
        {
            ctx.Error(node, "triggers", "must be a list, e.g. '- schedule: { cron: \"0 3 * * *\" }'");
            return list;
        }

        var i = 0;
        foreach (var item in seq.Children)
        {
            var path = $"triggers[{i++}]";
            if (item is not YamlMappingNode m || m.Children.Count != 1)
            {
                ctx.Error(item, path, "each trigger is a mapping with one key: schedule or webhook");
                continue;
            }

            var (k, v) = m.Children.First();
            var kind = YamlGuard.Cut(((YamlScalarNode)k).Value ?? "");
            if (v is not YamlMappingNode body)
            {
                ctx.Error(v, $"{path}.{kind}", "must be a mapping");
                continue;
            }

            var line = (int)k.Start.Line;
            switch (kind)
            {
                case "schedule":
                    ctx.CheckKeys(body, $"{path}.schedule", ScheduleKeys);
                    var cron = ctx.RequiredString(body, "cron", $"{path}.schedule");
                    if (cron is not null)
                    {
                        try
                        {
                            var format = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? Cronos.CronFormat.IncludeSeconds : Cronos.CronFormat.Standard;
                            Cronos.CronExpression.Parse(cron, format);
                        }
                        catch (Cronos.CronFormatException e)
                        {
                            ctx.Error(Value(body, "cron"), $"{path}.schedule.cron", $"'{YamlGuard.Cut(cron)}' is not a valid cron expression: {e.Message}");
                        }
                    }

                    var tz = ctx.OptionalString(body, "timezone", $"{path}.schedule");
                    if (tz is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(tz, out _))
                    {
                        ctx.Error(Value(body, "timezone"), $"{path}.schedule.timezone", $"unknown time zone '{YamlGuard.Cut(tz)}' (use an IANA name such as Europe/Berlin)");
                    }

                    var overlap = ctx.OptionalString(body, "overlap", $"{path}.schedule");
                    if (overlap is not null and not ("skip" or "queue" or "allow"))
                    {
                        ctx.Error(Value(body, "overlap"), $"{path}.schedule.overlap", $"'{YamlGuard.Cut(overlap)}' is not valid: use skip, queue or allow");
                    }

                    list.Add(new TriggerDefinition
                    {
                        Kind = TriggerKind.Schedule,
                        Name = ctx.OptionalString(body, "name", $"{path}.schedule"),
                        Cron = cron,
                        TimeZone = tz,
                        Overlap = overlap,
                        Inputs = ToJson(Value(body, "inputs")) as JsonObject ?? [],
                        Line = line,
                    });
                    break;
                case "webhook":
                    ctx.CheckKeys(body, $"{path}.webhook", WebhookKeys);
                    var filter = ctx.OptionalString(body, "filter", $"{path}.webhook");
                    if (filter is not null)
                    {
                        ctx.CheckTemplate(Value(body, "filter")!, $"{path}.webhook.filter", filter);
                    }

                    list.Add(new TriggerDefinition
                    {
                        Kind = TriggerKind.Webhook,
                        Name = ctx.RequiredString(body, "name", $"{path}.webhook"),
                        Inputs = ToJson(Value(body, "inputs")) as JsonObject ?? [],
                        Filter = filter,
                        Line = line,
                    });
                    break;
                default:
                    ctx.Error(k, path, $"unknown trigger '{kind}': use schedule or webhook");
                    break;
            }
        }

        return list;
    }

    private List<ParsedStep> ParseSteps(Ctx ctx, YamlNode? node)
    {
        var list = new List<ParsedStep>();
        if (node is null)
        {
            return list;
        }

        if (node is not YamlSequenceNode seq || seq.Children.Count == 0)
        {
            ctx.Error(node, "steps", "must be a non-empty list of steps");
            return list;
        }

        if (seq.Children.Count > DefinitionLimits.MaxSteps)
        {
            ctx.Error(node, "steps", FormattableString.Invariant($"has {seq.Children.Count:N0} steps; a workflow may have at most {DefinitionLimits.MaxSteps}"));
            return list;
        }

        var i = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in seq.Children)
        {
            var path = $"steps[{i++}]";
            if (item is not YamlMappingNode m)
            {
                ctx.Error(item, path, "a step must be a mapping with id and uses");
                continue;
            }

            var id = ctx.RequiredString(m, "id", path);
            if (id is not null)
            {
                path = $"steps[{YamlGuard.Cut(id)}]";
                if (!StepIdRegex().IsMatch(id))
                {
                    ctx.Error(Value(m, "id"), path + ".id", $"'{YamlGuard.Cut(id)}' is not a valid step id: use letters, digits, '_' and '-', starting with a letter");
                }
                else if (!seen.Add(id))
                {
                    ctx.Error(Value(m, "id"), path + ".id", $"duplicate step id '{YamlGuard.Cut(id)}'");
                }
            }

            ctx.CheckKeys(m, path, StepKeys);
            var uses = ctx.RequiredString(m, "uses", path);
            ActionDescriptor? action = null;
            if (uses is not null && !actions.TryGetValue(uses, out action))
            {
                ctx.Error(Value(m, "uses"), path + ".uses", $"unknown action '{YamlGuard.Cut(uses)}'{Suggest(uses, actions.Keys)}");
            }

            var withNode = Value(m, "with");
            var with = ParseWith(ctx, withNode, m, path + ".with", action);
            TimeSpan? timeout = null;
            if (ctx.OptionalString(m, "timeout", path) is { } ts)
            {
                timeout = Duration.TryParse(ts, out var err);
                if (err is not null)
                {
                    ctx.Error(Value(m, "timeout"), path + ".timeout", err);
                }
            }

            var ifText = ctx.OptionalString(m, "if", path);
            if (ifText is not null)
            {
                ctx.CheckTemplate(Value(m, "if")!, path + ".if", ifText.Contains("${{", StringComparison.Ordinal) ? ifText : "${{ " + ifText + " }}");
            }

            CompensationDefinition? comp = null;
            ParsedCompensation? parsedComp = null;
            if (Value(m, "compensate") is { } cn)
            {
                if (cn is not YamlMappingNode cm)
                {
                    ctx.Error(cn, path + ".compensate", "must be a mapping with uses and with");
                }
                else
                {
                    ctx.CheckKeys(cm, path + ".compensate", CompensateKeys);
                    var cuses = ctx.RequiredString(cm, "uses", path + ".compensate");
                    ActionDescriptor? caction = null;
                    if (cuses is not null && !actions.TryGetValue(cuses, out caction))
                    {
                        ctx.Error(Value(cm, "uses"), path + ".compensate.uses", $"unknown action '{YamlGuard.Cut(cuses)}'{Suggest(cuses, actions.Keys)}");
                    }

                    var cwith = ParseWith(ctx, Value(cm, "with"), cm, path + ".compensate.with", caction);
                    TimeSpan? ctimeout = null;
                    if (ctx.OptionalString(cm, "timeout", path + ".compensate") is { } cts)
                    {
                        ctimeout = Duration.TryParse(cts, out var err);
                        if (err is not null)
                        {
                            ctx.Error(Value(cm, "timeout"), path + ".compensate.timeout", err);
                        }
                    }

                    comp = new CompensationDefinition
                    {
                        Uses = cuses ?? "",
                        With = cwith,
                        Retry = ParseRetry(ctx, Value(cm, "retry"), path + ".compensate.retry", RetryPolicy.CompensationDefault),
                        Timeout = ctimeout,
                        Poll = ParsePoll(ctx, Value(cm, "poll"), path + ".compensate.poll", caction),
                    };
                    parsedComp = new ParsedCompensation(Value(cm, "with") ?? cm);
                }
            }

            var def = new StepDefinition
            {
                Id = id ?? $"#{i}",
                Name = ctx.OptionalString(m, "name", path),
                Uses = uses ?? "",
                With = with,
                Needs = ctx.StringList(Value(m, "needs"), path + ".needs"),
                If = ifText,
                Retry = ParseRetry(ctx, Value(m, "retry"), path + ".retry", RetryPolicy.None),
                Timeout = timeout,
                Poll = ParsePoll(ctx, Value(m, "poll"), path + ".poll", action),
                Compensate = comp,
                Approval = uses == ApprovalAction.Name ? ApprovalPolicyParser.Parse(withNode as YamlMappingNode, path + ".with", ctx.Error) : null,
                Line = (int)m.Start.Line,
            };
            list.Add(new ParsedStep(def, m, path, withNode, parsedComp));
        }

        return list;
    }

    private JsonObject ParseWith(Ctx ctx, YamlNode? node, YamlNode owner, string path, ActionDescriptor? action)
    {
        if (node is null)
        {
            if (action?.InputType is { } it0)
            {
                foreach (var req in RequiredMembers(it0))
                {
                    ctx.Error(owner, $"{path}.{req}", $"is required by action '{action.Name}'");
                }
            }

            return [];
        }

        if (node is not YamlMappingNode map)
        {
            ctx.Error(node, path, "must be a mapping of input name to value");
            return [];
        }

        var obj = (JsonObject)ToJson(map)!;
        ctx.CheckTemplates(map, path);
        if (action?.InputType is { } it)
        {
            var known = JsonNames(it);
            foreach (var (k, _) in map.Children)
            {
                var key = ((YamlScalarNode)k).Value ?? "";
                if (!known.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    ctx.Error(k, $"{path}.{YamlGuard.Cut(key)}", $"action '{action.Name}' has no input '{YamlGuard.Cut(key)}'{Suggest(key, known)}; its inputs are: {string.Join(", ", known)}");
                }
            }

            foreach (var req in RequiredMembers(it))
            {
                if (!obj.Any(kv => string.Equals(kv.Key, req, StringComparison.OrdinalIgnoreCase)))
                {
                    ctx.Error(map, $"{path}.{req}", $"is required by action '{action.Name}'");
                }
            }
        }

        return obj;
    }

    private static RetryPolicy ParseRetry(Ctx ctx, YamlNode? node, string path, RetryPolicy fallback)
    {
        if (node is null)
        {
            return fallback;
        }

        if (node is not YamlMappingNode m)
        {
            ctx.Error(node, path, "must be a mapping with attempts, backoff, initialDelay, maxDelay, jitter, nonRetryable");
            return fallback;
        }

        ctx.CheckKeys(m, path, RetryKeys);
        var policy = new RetryPolicy();
        if (ctx.OptionalInt(m, "attempts", path) is { } a)
        {
            if (a is < 1 or > 100)
            {
                ctx.Error(Value(m, "attempts"), path + ".attempts", $"must be between 1 and 100, not {a}");
            }

            policy = policy with { MaxAttempts = a };
        }

        if (ctx.OptionalString(m, "backoff", path) is { } b)
        {
            if (Enum.TryParse<BackoffKind>(b, ignoreCase: true, out var kind) && Enum.IsDefined(kind))
            {
                policy = policy with { Backoff = kind };
            }
            else
            {
                ctx.Error(Value(m, "backoff"), path + ".backoff", $"'{YamlGuard.Cut(b)}' is not valid: use fixed or exponential");
            }
        }

        foreach (var key in new[] { "initialDelay", "maxDelay" })
        {
            if (ctx.OptionalString(m, key, path) is { } d)
            {
                var span = Duration.TryParse(d, out var err);
                if (err is not null)
                {
                    ctx.Error(Value(m, key), $"{path}.{key}", err);
                }
                else
                {
                    policy = key == "initialDelay" ? policy with { InitialDelay = span!.Value } : policy with { MaxDelay = span!.Value };
                }
            }
        }

        if (policy.InitialDelay > policy.MaxDelay)
        {
            ctx.Error(m, path + ".maxDelay", $"must not be shorter than initialDelay ({Duration.Format(policy.InitialDelay)})");
        }

        if (Value(m, "jitter") is YamlScalarNode js)
        {
            if (double.TryParse(js.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var j) && j is >= 0 and <= 1)
            {
                policy = policy with { Jitter = j };
            }
            else
            {
                ctx.Error(js, path + ".jitter", $"must be a number from 0 to 1, not '{YamlGuard.Cut(js.Value ?? "")}'");
            }
        }

        policy = policy with { NonRetryable = ctx.StringList(Value(m, "nonRetryable"), path + ".nonRetryable") };
        return policy;
    }

    /// <summary>
    /// Reads <c>poll:</c>: a duration (<c>poll: 5s</c>, every 5 s) or a mapping whose missing keys come
    /// from the action's default (<c>poll: { initial: 1s, factor: 2, max: 15s }</c>).
    /// </summary>
    private static PollSchedule? ParsePoll(Ctx ctx, YamlNode? node, string path, ActionDescriptor? action)
    {
        if (node is null)
        {
            return null;
        }

        const string Shape = "must be a duration (e.g. 5s) or a mapping with initial, factor and max (e.g. { initial: 1s, factor: 2, max: 15s })";
        var fallback = action?.Poll ?? PollSchedule.Default;
        TimeSpan initial, max;
        var factor = fallback.Factor;
        if (node is YamlScalarNode scalar)
        {
            var every = Duration.TryParse(scalar.Value ?? "", out var err);
            if (err is not null)
            {
                ctx.Error(node, path, $"{err}; {Shape}");
                return null;
            }

            initial = max = every!.Value;
            factor = 1;
        }
        else if (node is YamlMappingNode m)
        {
            ctx.CheckKeys(m, path, PollKeys);
            initial = fallback.Initial;
            max = fallback.Max;
            var valid = true;
            foreach (var key in new[] { "initial", "max" })
            {
                if (ctx.OptionalString(m, key, path) is { } text)
                {
                    var span = Duration.TryParse(text, out var err);
                    if (err is not null)
                    {
                        ctx.Error(Value(m, key), $"{path}.{key}", err);
                        valid = false;
                    }
                    else if (key == "initial")
                    {
                        initial = span!.Value;
                    }
                    else
                    {
                        max = span!.Value;
                    }
                }
            }

            if (Value(m, "factor") is { } fn)
            {
                if (fn is YamlScalarNode fs && double.TryParse(fs.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var f))
                {
                    factor = f;
                }
                else
                {
                    ctx.Error(fn, path + ".factor", "must be a number from 1 to 10 (2 doubles each delay, 1 keeps it constant)");
                    valid = false;
                }
            }

            if (!valid)
            {
                return null;
            }

            // One bound given past the other's default: the schedule stays constant at the given one.
            if (Value(m, "max") is null && max < initial)
            {
                max = initial;
            }
            else if (Value(m, "initial") is null && max < initial)
            {
                initial = max;
            }
        }
        else
        {
            ctx.Error(node, path, Shape);
            return null;
        }

        if (PollSchedule.Validate(initial, factor, max) is { } problem)
        {
            var at = node is YamlMappingNode map && Value(map, problem.Field) is { } v ? v : node;
            ctx.Error(at, node is YamlMappingNode ? $"{path}.{problem.Field}" : path, problem.Message);
            return null;
        }

        return new PollSchedule(initial, factor, max);
    }

    private static void ValidateGraph(Ctx ctx, List<ParsedStep> steps, YamlMappingNode root)
    {
        var ids = steps.Select(s => s.Def.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var s in steps)
        {
            foreach (var n in s.Def.Needs)
            {
                if (n == s.Def.Id)
                {
                    ctx.Error(Value(s.Node, "needs"), s.Path + ".needs", "a step cannot need itself");
                }
                else if (!ids.Contains(n))
                {
                    ctx.Error(Value(s.Node, "needs"), s.Path + ".needs", $"unknown step '{YamlGuard.Cut(n)}'{Suggest(n, ids)}");
                }
            }
        }

        if (Dag.FindCycle(steps.Select(s => s.Def).ToList()) is { } cycle)
        {
            var first = steps.First(s => s.Def.Id == cycle[0]);
            ctx.Error(Value(first.Node, "needs") ?? root, first.Path + ".needs", $"the steps form a cycle: {string.Join(" → ", cycle)} → {cycle[0]}");
        }
    }

    private void ValidateExpressions(Ctx ctx, List<ParsedInput> inputs, List<ParsedStep> steps, string? concurrency, YamlMappingNode root)
    {
        var inputNames = inputs.Select(i => i.Def.Name).ToHashSet(StringComparer.Ordinal);
        var byId = steps.GroupBy(s => s.Def.Id).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var graph = steps.Select(s => s.Def).ToList();

        if (concurrency is not null)
        {
            CheckRefs(ctx, Value(root, "concurrency")!, "concurrency", concurrency, inputNames, byId, allowedSteps: null);
        }

        foreach (var s in steps)
        {
            var ancestors = Dag.Ancestors(graph, s.Def.Id);
            foreach (var (node, path, text) in Strings(s.WithNode, s.Path + ".with"))
            {
                CheckRefs(ctx, node, path, text, inputNames, byId, ancestors);
            }

            if (s.Def.If is { } cond)
            {
                CheckRefs(ctx, Value(s.Node, "if")!, s.Path + ".if", cond.Contains("${{", StringComparison.Ordinal) ? cond : "${{ " + cond + " }}", inputNames, byId, ancestors);
            }

            if (s.Compensation is { } pc)
            {
                // A compensation may read its own step's outputs (null when the step did not complete).
                var allowed = new HashSet<string>(ancestors, StringComparer.Ordinal) { s.Def.Id };
                foreach (var (node, path, text) in Strings(pc.WithNode, s.Path + ".compensate.with"))
                {
                    CheckRefs(ctx, node, path, text, inputNames, byId, allowed);
                }
            }
        }
    }

    private void CheckRefs(Ctx ctx, YamlNode node, string path, string text, HashSet<string> inputs, Dictionary<string, ParsedStep> steps, IReadOnlySet<string>? allowedSteps)
    {
        if (!Template.MayContainExpression(text))
        {
            return;
        }

        Template t;
        try
        {
            t = Template.Parse(text);
        }
        catch (ExpressionException)
        {
            return; // reported by CheckTemplate already
        }

        foreach (var p in t.Expressions.SelectMany(e => e.Paths()))
        {
            switch (p[0])
            {
                case "inputs":
                    if (p.Count < 2 || !inputs.Contains(p[1]))
                    {
                        ctx.Error(node, path, $"'{string.Join('.', p)}': unknown input{(p.Count > 1 ? $" '{p[1]}'" : "")}{(p.Count > 1 ? Suggest(p[1], inputs) : "")}");
                    }

                    break;
                case "run":
                    if (p.Count != 2 || !RunFields.Contains(p[1]))
                    {
                        ctx.Error(node, path, $"'{string.Join('.', p)}': run has {string.Join(", ", RunFields)}");
                    }

                    break;
                case "steps":
                    if (allowedSteps is null)
                    {
                        ctx.Error(node, path, "step outputs are not available here");
                        break;
                    }

                    if (p.Count < 4 || p[2] != "outputs")
                    {
                        ctx.Error(node, path, $"'{string.Join('.', p)}': write steps.<id>.outputs.<name>");
                        break;
                    }

                    if (!steps.TryGetValue(p[1], out var target))
                    {
                        ctx.Error(node, path, $"'{string.Join('.', p)}': unknown step '{p[1]}'{Suggest(p[1], steps.Keys)}");
                    }
                    else if (!allowedSteps.Contains(p[1]))
                    {
                        ctx.Error(node, path, $"'{string.Join('.', p)}': step '{p[1]}' is not in this step's needs (directly or through other steps), so its outputs may not exist yet");
                    }
                    else if (actions.TryGetValue(target.Def.Uses, out var a) && a.OutputType is { } ot)
                    {
                        var names = JsonNames(ot);
                        if (!names.Contains(p[3], StringComparer.OrdinalIgnoreCase))
                        {
                            ctx.Error(node, path, $"'{string.Join('.', p)}': action '{a.Name}' has no output '{p[3]}'; its outputs are: {string.Join(", ", names)}");
                        }
                    }

                    break;
                default:
                    ctx.Error(node, path, $"'{string.Join('.', p)}': unknown name '{p[0]}' (use inputs, steps or run)");
                    break;
            }
        }
    }

    private static IEnumerable<(YamlNode Node, string Path, string Text)> Strings(YamlNode? node, string path)
    {
        switch (node)
        {
            case YamlScalarNode s when s.Value is not null:
                yield return (s, path, s.Value);
                break;
            case YamlMappingNode m:
                foreach (var (k, v) in m.Children)
                {
                    foreach (var x in Strings(v, $"{path}.{((YamlScalarNode)k).Value}"))
                    {
                        yield return x;
                    }
                }

                break;
            case YamlSequenceNode q:
                var i = 0;
                foreach (var v in q.Children)
                {
                    foreach (var x in Strings(v, $"{path}[{i++}]"))
                    {
                        yield return x;
                    }
                }

                break;
        }
    }

    /// <summary>Converts a YAML node to JSON: plain scalars become numbers, booleans or null where they look like one.</summary>
    internal static JsonNode? ToJson(YamlNode? node) => node switch
    {
        null => null,
        YamlScalarNode s when s.Style is ScalarStyle.Plain => PlainScalar(s.Value),
        YamlScalarNode s => JsonValue.Create(s.Value ?? ""),
        YamlMappingNode m => new JsonObject(m.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode q => new JsonArray(q.Children.Select(ToJson).ToArray()),
        _ => null,
    };

    private static JsonNode? PlainScalar(string? v)
    {
        if (v is null or "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (v is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (v is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && v.Any(char.IsAsciiDigit))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(v);
    }

    private static List<string> JsonNames(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite || p.GetCustomAttribute<JsonIncludeAttribute>() is not null || t.GetConstructors().Any(c => c.GetParameters().Any(a => string.Equals(a.Name, p.Name, StringComparison.OrdinalIgnoreCase))))
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .ToList();

    private static IEnumerable<string> RequiredMembers(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<RequiredMemberAttribute>() is not null || p.GetCustomAttribute<JsonRequiredAttribute>() is not null)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name));

    private static string Suggest(string value, IEnumerable<string> candidates)
    {
        if (value.Length > 64)
        {
            return ""; // nobody mistypes 64 characters; and the distance costs length × length
        }

        var best = candidates
            .Where(c => c.Length <= 64)
            .Select(c => (c, d: Levenshtein(value.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(x => x.d <= Math.Max(2, value.Length / 3))
            .OrderBy(x => x.d)
            .FirstOrDefault();
        return best.c is null ? "" : $" (did you mean '{best.c}'?)";
    }

    private static int Levenshtein(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }

    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]*\z")]
    private static partial Regex NameRegex();

    [GeneratedRegex(@"\A[A-Za-z][A-Za-z0-9_]*\z")]
    private static partial Regex IdentRegex();

    [GeneratedRegex(@"\A[A-Za-z][A-Za-z0-9_-]*\z")]
    private static partial Regex StepIdRegex();

    private sealed record ParsedInput(InputDefinition Def, YamlNode Node);

    private sealed record ParsedStep(StepDefinition Def, YamlMappingNode Node, string Path, YamlNode? WithNode, ParsedCompensation? Compensation);

    private sealed record ParsedCompensation(YamlNode WithNode);

    /// <summary>
    /// The file's errors. Single values, whole numbers and booleans are read with the shared <see cref="YamlReader"/>
    /// (one wording and one notion of each across definitions, compose files, clouds.yaml and kubeconfigs); its problems
    /// become errors here, in the order they are found.
    /// </summary>
    private sealed class Ctx(string file)
    {
        private readonly YamlReader reader = new();
        private int taken;

        public List<DefinitionError> Errors { get; } = [];

        /// <summary>Records a problem at <paramref name="node"/> (the file's start when null).</summary>
        public void Error(YamlNode? node, string field, string message) =>
            Error(node is null ? 1 : (int)Math.Clamp(node.Start.Line, 1, int.MaxValue), node is null ? 1 : (int)Math.Clamp(node.Start.Column, 1, int.MaxValue), field, message);

        /// <summary>Cuts a message that quotes too much.</summary>
        public static string Cap(string message) =>
            message.Length <= DefinitionLimits.MaxMessageLength ? message : string.Concat(message.AsSpan(0, DefinitionLimits.MaxMessageLength), "…");

        public void CheckKeys(YamlMappingNode map, string path, string[] allowed)
        {
            foreach (var (k, _) in map.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (!allowed.Contains(key, StringComparer.Ordinal))
                {
                    Error(k, path.Length == 0 ? key : $"{path}.{key}", $"unknown field '{YamlGuard.Cut(key)}'{Suggest(key, allowed)}; allowed: {string.Join(", ", allowed)}");
                }
            }
        }

        public string? RequiredString(YamlMappingNode map, string key, string path)
        {
            var v = Value(map, key);
            if (v is null)
            {
                Error(map, Join(path, key), "is required");
                return null;
            }

            return AsString(v, Join(path, key));
        }

        public string? OptionalString(YamlMappingNode map, string key, string path) =>
            Value(map, key) is { } v ? AsString(v, Join(path, key)) : null;

        public bool? OptionalBool(YamlMappingNode map, string key, string path) =>
            Value(map, key) is { } v ? Take(reader.Bool(v, Join(path, key))) : null;

        public int? OptionalInt(YamlMappingNode map, string key, string path) =>
            Value(map, key) is { } v ? Take(reader.Int(v, Join(path, key))) : null;

        public List<string> StringList(YamlNode? node, string path)
        {
            switch (node)
            {
                case null:
                    return [];
                case YamlScalarNode s when !string.IsNullOrEmpty(s.Value):
                    return [s.Value];
                case YamlSequenceNode q:
                    var list = new List<string>();
                    foreach (var item in q.Children)
                    {
                        if (item is YamlScalarNode { Value: { Length: > 0 } v })
                        {
                            list.Add(v);
                        }
                        else
                        {
                            Error(item, path, "must be a list of names");
                        }
                    }

                    return list;
                default:
                    Error(node, path, "must be a list of names");
                    return [];
            }
        }

        public void CheckTemplates(YamlNode node, string path)
        {
            foreach (var (n, p, text) in Strings(node, path))
            {
                CheckTemplate(n, p, text);
            }
        }

        public void CheckTemplate(YamlNode node, string path, string text)
        {
            if (!Template.MayContainExpression(text))
            {
                return;
            }

            try
            {
                Template.Parse(text);
            }
            catch (ExpressionException e)
            {
                Error(node, path, $"expression error at character {e.Position + 1} of '{YamlGuard.Cut(text)}': {e.Message}");
            }
        }

        private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

        private string? AsString(YamlNode v, string path) => Take(reader.String(v, path));

        // Moves what the reader found into the errors and passes the value on.
        private T Take<T>(T value)
        {
            for (; taken < reader.Problems.Count; taken++)
            {
                var problem = reader.Problems[taken];
                Error(Math.Max(1, problem.Line), Math.Max(1, problem.Column), problem.Path, problem.Message);
            }

            return value;
        }

        private void Error(int line, int column, string field, string message) =>
            Errors.Add(new DefinitionError(file, line, column, field.Length > DefinitionLimits.MaxMessageLength / 4 ? YamlGuard.Cut(field) : field, Cap(message)));
    }
}
