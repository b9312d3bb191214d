using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Engine.Expressions;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>
/// Composes the plan of a workflow along its DAG: validates the inputs as a run start would, evaluates every
/// expression it can (earlier steps' outputs are unknown until those steps ran), and asks each step's action
/// what it would do through <see cref="IPlannableAction"/>. Nothing is stored and nothing is dispatched.
/// </summary>
public sealed class WorkflowPlanner(
    WorkflowCatalog catalog,
    RunStore store,
    IServiceScopeFactory scopes,
    IOptions<EngineOptions> options,
    TimeProvider clock,
    ILogger<WorkflowPlanner> logger,
    IEnumerable<IWorkflowRequirement> requirements,
    ICloudDirectory? clouds = null) : IWorkflowPlanner
{
    /// <inheritdoc />
    public async Task<WorkflowPlan> PlanAsync(PlanRequest request, CancellationToken cancellationToken = default)
    {
        var def = catalog.Get(request.Workflow) ?? throw new WorkflowNotFoundException(request.Workflow);
        var inputs = InputValidator.Validate(def, request.Inputs, clouds: clouds);
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        SecretCodec.Collect(inputs, secrets);
        var redactor = new Redactor(secrets);

        var stepsScope = new JsonObject();
        var roots = new JsonObject
        {
            ["inputs"] = JsonNodes.Clone(inputs),
            ["steps"] = stepsScope,
            ["run"] = new JsonObject
            {
                ["id"] = Unknown.Node(Unknown.RunStart),
                ["workflow"] = def.Name,
                ["version"] = def.Version,
                ["actor"] = request.Actor,
                ["trigger"] = Unknown.Node(Unknown.RunStart),
            },
        };
        var scope = new JsonScope(roots);

        var problems = new List<PlanProblem>();
        CheckRequirements(def, scope, problems);
        await CheckConcurrencyAsync(def, scope, problems, cancellationToken);

        var planned = new List<PlannedStep>();
        foreach (var sd in Dag.TopologicalOrder(def.Steps))
        {
            var step = await PlanStepAsync(def, sd, scope, stepsScope, redactor, cancellationToken);
            planned.Add(step);
        }

        logger.LogInformation("Plan of {Workflow} (version {Version}) made for {Actor}: {Steps} steps, {Errors} errors", def.Name, def.Version, request.Actor, planned.Count, planned.Sum(s => s.Plan.Problems.Count(p => p.Severity == PlanSeverity.Error)));
        return new WorkflowPlan(def.Name, def.Version, (JsonObject)SecretCodec.Mask(inputs)!, planned, problems, Summarize(planned, problems), clock.GetUtcNow());
    }

    private static PlanSummary Summarize(List<PlannedStep> steps, List<PlanProblem> problems)
    {
        var resources = steps.SelectMany(s => s.Plan.Resources).ToList();
        var all = steps.SelectMany(s => s.Plan.Problems).Concat(problems).ToList();
        return new PlanSummary(
            resources.Count(r => r.Action == PlanAction.Create),
            resources.Count(r => r.Action == PlanAction.Adopt),
            resources.Count(r => r.Action == PlanAction.Update),
            resources.Count(r => r.Action == PlanAction.Delete),
            resources.Count(r => r.Action == PlanAction.Unknown) + steps.Count(s => s.Plan.Action == PlanAction.Unknown && s.Plan.Resources.Count == 0),
            steps.Count(s => s.Plan.Action == PlanAction.NotPlanned),
            all.Count(p => p.Severity == PlanSeverity.Error),
            all.Count(p => p.Severity == PlanSeverity.Warning));
    }

    private async Task<PlannedStep> PlanStepAsync(WorkflowDefinition def, StepDefinition sd, JsonScope scope, JsonObject stepsScope, Redactor redactor, CancellationToken ct)
    {
        // Until proven otherwise the step runs, and its outputs are known only after it did.
        stepsScope[sd.Id] = Unknown.Node(sd.Id);
        string? condition = null;
        if (sd.If is { } cond)
        {
            var text = cond.Contains("${{", StringComparison.Ordinal) ? cond : "${{ " + cond + " }}";
            JsonNode? value;
            try
            {
                value = Template.Parse(text).Evaluate(scope);
            }
            catch (Exception e) when (e is ExpressionException or InvalidOperationException)
            {
                return Step(sd, "false", [], StepPlan.NoChange("") with { Action = PlanAction.Unknown, Summary = "its condition cannot be evaluated", Problems = [new PlanProblem(PlanSeverity.Error, "if", redactor.Redact(e.Message))] }, []);
            }

            if (Unknown.Is(value, out var u))
            {
                condition = $"depends on {cond.Trim()} ({u.When})";
            }
            else if (Expression.IsTruthy(value))
            {
                condition = "true";
            }
            else
            {
                // The machine marks it skipped: its outputs are an empty object, known now.
                stepsScope[sd.Id] = new JsonObject { ["outputs"] = new JsonObject(), ["status"] = "skipped" };
                return Step(sd, "false", [], new StepPlan(PlanAction.Skipped, $"{cond.Trim()} is false", [], [], []), []);
            }
        }

        JsonObject evaluated;
        try
        {
            evaluated = Template.EvaluateTree(sd.With, scope) as JsonObject ?? [];
        }
        catch (Exception e) when (e is ExpressionException or InvalidOperationException or JsonException)
        {
            var failed = new StepPlan(PlanAction.Unknown, "its inputs cannot be evaluated", [], [], [new PlanProblem(PlanSeverity.Error, "with", redactor.Redact(e.Message))]);
            return Step(sd, condition, [], failed, []);
        }

        var secrets = new HashSet<string>(StringComparer.Ordinal);
        SecretCodec.Collect(evaluated, secrets);
        var stepRedactor = secrets.Count == 0 ? redactor : new Redactor(secrets.Concat(SecretsOf(scope)));
        var unknown = new Dictionary<string, string>(StringComparer.Ordinal);
        var known = (JsonObject)Known(SecretCodec.Reveal(evaluated), "", unknown)!;
        var display = (JsonObject)Display(SecretCodec.Mask(evaluated))!;

        var descriptor = catalog.Actions.FirstOrDefault(a => a.Name == sd.Uses);
        if (descriptor is null)
        {
            return Step(sd, condition, display, new StepPlan(PlanAction.Unknown, $"{sd.Uses} is not registered in this server", [], [], [new PlanProblem(PlanSeverity.Error, "uses", $"action '{sd.Uses}' is not registered in this server")]), []);
        }

        if (!typeof(IPlannableAction).IsAssignableFrom(descriptor.ActionType))
        {
            return Step(sd, condition, display, StepPlan.NotPlanned(sd.Uses), []);
        }

        var audit = new PlanAudit();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(options.Value.PlanStepTimeout);
        StepPlan plan;
        try
        {
            await using var scoped = scopes.CreateAsyncScope();
            var action = (IPlannableAction)scoped.ServiceProvider.GetRequiredService(descriptor.ActionType);
            var context = new EnginePlanContext(def.Name, sd.Id, known, unknown, audit, clock, cts.Token);
            plan = await action.PlanAsync(context);
        }
        catch (StepFailedException e)
        {
            plan = new StepPlan(PlanAction.Unknown, "its inputs do not fit the action", [], [], [new PlanProblem(PlanSeverity.Error, FieldOf(e.Message), stepRedactor.Redact(e.Message))]);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            plan = new StepPlan(PlanAction.Unknown, "planning timed out", [], [], [new PlanProblem(PlanSeverity.Error, "step", $"planning took longer than {options.Value.PlanStepTimeout.TotalSeconds:0} s (Workflows:PlanStepTimeout); the services it reads may be slow or unreachable")]);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Planning step {StepId} of {Workflow} failed: {Error}", sd.Id, def.Name, stepRedactor.Redact(e.Message));
            plan = new StepPlan(PlanAction.Unknown, "planning failed", [], [], [new PlanProblem(PlanSeverity.Error, "step", $"planning failed: {stepRedactor.Redact(e.Message)}")]);
        }

        return Step(sd, condition, display, Redact(plan, stepRedactor), audit.Calls.Select(stepRedactor.Redact).ToList());
    }

    /// <summary>
    /// Plans one step of a running run again, just before it executes, with its inputs as evaluated now (all known)
    /// and the key it will carry: read-only, bounded by <see cref="EngineOptions.PlanStepTimeout"/>. Null when its
    /// action has no plan. Throws when planning fails or times out (the caller reports it; it never fails the step).
    /// </summary>
    internal async Task<StepPlan?> ReplanStepAsync(WorkflowDefinition def, StepDefinition sd, JsonObject inputs, string idempotencyKey, Redactor redactor, CancellationToken ct)
    {
        var descriptor = catalog.Actions.FirstOrDefault(a => a.Name == sd.Uses);
        if (descriptor is null || !typeof(IPlannableAction).IsAssignableFrom(descriptor.ActionType))
        {
            return null;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(options.Value.PlanStepTimeout);
        try
        {
            await using var scoped = scopes.CreateAsyncScope();
            var action = (IPlannableAction)scoped.ServiceProvider.GetRequiredService(descriptor.ActionType);
            var context = new EnginePlanContext(def.Name, sd.Id, inputs, new Dictionary<string, string>(), new PlanAudit(), clock, cts.Token, idempotencyKey);
            return Redact(await action.PlanAsync(context), redactor);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new TimeoutException($"planning took longer than {options.Value.PlanStepTimeout.TotalSeconds:0} s (Workflows:PlanStepTimeout)");
        }
    }

    private static IEnumerable<string> SecretsOf(JsonScope scope)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        SecretCodec.Collect(scope.Resolve(["inputs"]), set);
        return set;
    }

    private static string FieldOf(string message)
    {
        var colon = message.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && message.StartsWith("with", StringComparison.Ordinal) ? message[..colon] : "with";
    }

    private static PlannedStep Step(StepDefinition sd, string? condition, JsonObject inputs, StepPlan plan, IReadOnlyList<string> calls) =>
        new(sd.Id, sd.Name, sd.Uses, sd.Needs, condition, inputs, plan, calls);

    /// <summary>The inputs the action sees: unknown values left out of objects (their default applies) and null in arrays.</summary>
    private static JsonNode? Known(JsonNode? node, string path, Dictionary<string, string> unknown)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (k, v) in o)
                {
                    var p = path.Length == 0 ? k : $"{path}.{k}";
                    if (Unknown.Is(v, out var u))
                    {
                        unknown[p] = u.When;
                        continue;
                    }

                    copy[k] = Known(v, p, unknown);
                }

                return copy;
            case JsonArray a:
                var items = new JsonArray();
                for (var i = 0; i < a.Count; i++)
                {
                    var p = $"{path}[{i}]";
                    if (Unknown.Is(a[i], out var u))
                    {
                        unknown[p] = u.When;
                        items.Add(null);
                    }
                    else
                    {
                        items.Add(Known(a[i], p, unknown));
                    }
                }

                return items;
            default:
                return JsonNodes.Clone(node);
        }
    }

    /// <summary>The inputs as shown: unknown values as <c>(known after `step`)</c>.</summary>
    private static JsonNode? Display(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, Display(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Display).ToArray()),
        JsonValue v when Unknown.Is(v, out var u) => JsonValue.Create(u.Text),
        _ => JsonNodes.Clone(node),
    };

    private static StepPlan Redact(StepPlan plan, Redactor r) => plan with
    {
        Summary = r.Redact(plan.Summary),
        Resources = plan.Resources.Select(x => x with
        {
            Name = r.Redact(x.Name),
            Attributes = x.Attributes.ToDictionary(kv => kv.Key, kv => r.Redact(kv.Value)),
            Changes = x.Changes.Select(c => c with { Before = c.Before is null ? null : r.Redact(c.Before), After = c.After is null ? null : r.Redact(c.After) }).ToList(),
        }).ToList(),
        Checks = plan.Checks.Select(c => c with { Detail = r.Redact(c.Detail) }).ToList(),
        Problems = plan.Problems.Select(p => p with { Message = r.Redact(p.Message) }).ToList(),
    };

    /// <summary>The same rule as a run start, reported instead of thrown.</summary>
    private void CheckRequirements(WorkflowDefinition def, JsonScope scope, List<PlanProblem> problems)
    {
        foreach (var (name, template) in def.Requires)
        {
            var requirement = requirements.FirstOrDefault(r => r.Name == name);
            if (requirement is null)
            {
                problems.Add(new PlanProblem(PlanSeverity.Error, $"requires.{name}", $"requires '{name}', which this server does not know (no integration registers it)."));
                continue;
            }

            var value = Template.Parse(template).Evaluate(scope);
            if (Unknown.Is(value, out var u))
            {
                problems.Add(new PlanProblem(PlanSeverity.Warning, $"requires.{name}", $"cannot be checked yet ({u.When})."));
                continue;
            }

            if (value is JsonValue v && v.TryGetValue(out bool flag) && !flag)
            {
                continue;
            }

            var text = value is JsonValue b && b.TryGetValue(out bool _) ? string.Empty : Expression.ToText(value);
            if (requirement.Check(text) is { } problem)
            {
                problems.Add(new PlanProblem(PlanSeverity.Error, $"requires.{name}", problem));
            }
        }
    }

    /// <summary>Says when a run started now would wait behind another run holding the same concurrency key.</summary>
    private async Task CheckConcurrencyAsync(WorkflowDefinition def, JsonScope scope, List<PlanProblem> problems, CancellationToken ct)
    {
        if (def.Concurrency is not { } concurrency)
        {
            return;
        }

        var value = Template.Parse(concurrency).Evaluate(scope);
        if (Unknown.Is(value, out _))
        {
            return;
        }

        var key = $"{def.Name}:{Expression.ToText(SecretCodec.Mask(value))}";
        var holder = await store.ReadModel.ConcurrencyHolderAsync(key, ct);
        if (holder is not null)
        {
            problems.Add(new PlanProblem(PlanSeverity.Warning, "concurrency", $"run {holder} holds the concurrency key '{key}': a run started now would wait in the queue until it finishes."));
        }
    }

    /// <summary>Collects the read calls made while planning a step.</summary>
    private sealed class PlanAudit : IStepAudit
    {
        private readonly Lock gate = new();
        private readonly List<string> calls = [];

        public IReadOnlyList<string> Calls
        {
            get
            {
                lock (gate)
                {
                    return [.. calls];
                }
            }
        }

        public void RecordCall(ExternalCall call)
        {
            lock (gate)
            {
                calls.Add($"{call.Method} {call.Service} {call.Endpoint}" + (call.Status is { } s ? $" → {s}" : string.Empty) + (call.Error is { } e ? $" ({e})" : string.Empty));
            }
        }

        public void Record(string kind, string message)
        {
            lock (gate)
            {
                calls.Add($"{kind}: {message}");
            }
        }
    }

    private sealed class EnginePlanContext(
        string workflow,
        string stepId,
        JsonObject inputs,
        IReadOnlyDictionary<string, string> unknown,
        IStepAudit audit,
        TimeProvider clock,
        CancellationToken cancellationToken,
        string? idempotencyKey = null) : PlanContext
    {
        public override string WorkflowName => workflow;

        public override string StepId => stepId;

        public override string? IdempotencyKey => idempotencyKey;

        public override CancellationToken CancellationToken => cancellationToken;

        public override TimeProvider Clock => clock;

        public override IStepAudit Audit => audit;

        public override JsonObject Inputs => inputs;

        public override IReadOnlyDictionary<string, string> Unknown => unknown;

        public override T GetInputs<T>()
            where T : class
        {
            try
            {
                return inputs.Deserialize<T>(JsonDefaults.Options)
                    ?? throw new StepFailedException("inputs.invalid", "with: the step has no inputs.", retryable: false);
            }
            catch (JsonException e)
            {
                var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "with" : "with." + e.Path.TrimStart('$', '.');
                var reason = e.Message.Split(" Path:", 2)[0];
                throw new StepFailedException("inputs.invalid", $"{field}: {Redactor.None.Redact(reason)}", retryable: false, e);
            }
        }
    }
}
