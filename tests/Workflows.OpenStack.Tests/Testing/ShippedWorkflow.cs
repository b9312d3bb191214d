using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Engine.Definitions;
using Workflows.Engine.Expressions;
using Workflows.Testing;

namespace Workflows.OpenStack.Tests.Testing;

/// <summary>
/// Runs a shipped definition from <c>workflows/</c> the way the engine prepares it, without Hangfire or a database:
/// the engine's own parser (so the file must be valid for the actions registered in <paramref name="services"/>),
/// its input validation and defaults, and its expression evaluation of each step's <c>with</c> and <c>if</c>; each
/// step's action is then driven to completion by <see cref="ActionDriver"/>, in file order (which respects
/// <c>needs</c> in every shipped file). A failed step stops the run and the completed steps are compensated in
/// reverse order, as with <c>onFailure: compensate</c>.
/// </summary>
/// <param name="services">The services the actions resolve from (the same the step contexts carry).</param>
public sealed class ShippedWorkflow(IServiceProvider services)
{
    /// <summary>Parses <c>workflows/{file}</c> (copied beside the test assembly) with the engine's parser.</summary>
    public WorkflowDefinition Load(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "workflows", file);
        var parsed = new DefinitionParser(services.GetServices<ActionDescriptor>()).Parse(path, File.ReadAllText(path));
        return parsed.Definition ?? throw new Xunit.Sdk.XunitException($"{file} does not parse: {string.Join("; ", parsed.Errors)}");
    }

    /// <summary>
    /// Runs the workflow with <paramref name="inputs"/> over its defaults; returns each step's result. With
    /// <paramref name="only"/>, just those steps run: the others count as done with the outputs <paramref name="given"/>
    /// for them (a part of a workflow against another cloud, e.g. the Magnum steps of platform-from-scratch).
    /// </summary>
    public async Task<ShippedRun> RunAsync(string file, IReadOnlyDictionary<string, JsonNode?> inputs, int maxCallsPerStep = 600, IReadOnlyCollection<string>? only = null, IReadOnlyDictionary<string, JsonObject>? given = null)
    {
        var definition = Load(file);
        var runId = Guid.NewGuid();
        var recorder = new RunRecorder();
        var validated = InputValidator.Validate(definition, inputs);
        var steps = new JsonObject();
        var results = new List<(StepDefinition Step, DriverResult? Result, TestStepContext? Context)>();
        JsonScope Scope() => new(new JsonObject
        {
            ["inputs"] = validated.DeepClone(),
            ["steps"] = steps.DeepClone(),
            ["run"] = new JsonObject { ["id"] = runId.ToString(), ["workflow"] = definition.Name, ["version"] = definition.Version, ["actor"] = "test", ["trigger"] = "api" },
        });

        foreach (var step in definition.Steps)
        {
            if (only is not null && !only.Contains(step.Id))
            {
                steps[step.Id] = new JsonObject { ["outputs"] = given?.GetValueOrDefault(step.Id)?.DeepClone() ?? new JsonObject(), ["status"] = "given" };
                results.Add((step, null, null));
                continue;
            }

            if (step.If is { } condition)
            {
                var text = condition.Contains("${{", StringComparison.Ordinal) ? condition : "${{ " + condition + " }}";
                if (!Expression.IsTruthy(Template.Parse(text).Evaluate(Scope())))
                {
                    steps[step.Id] = new JsonObject { ["outputs"] = new JsonObject(), ["status"] = "skipped" };
                    results.Add((step, null, null));
                    continue;
                }
            }

            var with = Template.EvaluateTree(step.With, Scope()) as JsonObject ?? [];
            var (result, context) = await AttemptAsync(step.Uses, step.Retry, attempt => new TestStepContext(services, with, step.Id, runId, recorder: recorder) { AttemptNumber = attempt }, maxCallsPerStep);
            results.Add((step, result, context));
            if (result.Result is not CompletedResult completed)
            {
                await CompensateAsync(definition, results, Scope, runId, recorder, maxCallsPerStep);
                return new ShippedRun(definition, results.Select(r => (r.Step.Id, r.Result)).ToList(), recorder, step.Id);
            }

            steps[step.Id] = new JsonObject
            {
                ["outputs"] = JsonSerializer.SerializeToNode(completed.Outputs, JsonDefaults.Options) ?? new JsonObject(),
                ["status"] = "succeeded",
            };
        }

        return new ShippedRun(definition, results.Select(r => (r.Step.Id, r.Result)).ToList(), recorder, null);
    }

    private async Task CompensateAsync(WorkflowDefinition definition, List<(StepDefinition Step, DriverResult? Result, TestStepContext? Context)> results, Func<JsonScope> scope, Guid runId, RunRecorder recorder, int maxCalls)
    {
        foreach (var (step, result, context) in Enumerable.Reverse(results))
        {
            if (result is null || context is null || step.Compensate is not { } compensate)
            {
                continue;
            }

            var outputs = result.Result is CompletedResult c ? JsonSerializer.SerializeToElement(c.Outputs, JsonDefaults.Options) : (JsonElement?)null;
            var with = Template.EvaluateTree(compensate.With, scope()) as JsonObject ?? [];
            var target = new CompensationTarget(step.Id, context.IdempotencyKey, outputs, context.CurrentState);
            var (undo, _) = await AttemptAsync(compensate.Uses, compensate.Retry, attempt => new TestStepContext(services, with, step.Id + "-compensate", runId, target, recorder) { AttemptNumber = attempt }, maxCalls);
            if (undo.Result is not CompletedResult)
            {
                recorder.WriteLine($"{definition.Name}: compensating '{step.Id}' failed: {undo.Result}");
            }
        }
    }

    // Attempts as the engine does: a retryable failure whose code the policy does not list as non-retryable gets
    // another attempt (same idempotency key, so the action adopts what the last one created), up to MaxAttempts.
    // The backoff is not waited out: the attempts, not the delays, are under test.
    private async Task<(DriverResult Result, TestStepContext Context)> AttemptAsync(string uses, RetryPolicy retry, Func<int, TestStepContext> context, int maxCalls)
    {
        for (var attempt = 1; ; attempt++)
        {
            var ctx = context(attempt);
            var result = await ActionDriver.RunAsync(Descriptor(uses).ActionType, ctx, maxCalls);
            if (result.Result is not FailedResult { Retryable: true } failed || retry.NonRetryable.Contains(failed.ErrorCode) || attempt >= Math.Max(1, retry.MaxAttempts))
            {
                return (result, ctx);
            }

            ctx.Recorder.WriteLine($"attempt {attempt} failed ({failed.ErrorCode}: {failed.Message}); attempting again");
        }
    }

    private ActionDescriptor Descriptor(string uses) =>
        services.GetServices<ActionDescriptor>().FirstOrDefault(a => a.Name == uses) ?? throw new Xunit.Sdk.XunitException($"Action '{uses}' is not registered.");
}

/// <summary>What a <see cref="ShippedWorkflow"/> run did.</summary>
/// <param name="Definition">The parsed definition.</param>
/// <param name="Steps">Each step reached, in order, with its result (null when skipped by its condition).</param>
/// <param name="Recorder">The log, audit and resource ledger of the whole run.</param>
/// <param name="FailedStep">The step that failed (after which the run was compensated), or null when every step completed.</param>
public sealed record ShippedRun(WorkflowDefinition Definition, IReadOnlyList<(string StepId, DriverResult? Result)> Steps, RunRecorder Recorder, string? FailedStep)
{
    /// <summary>Returns the result of a step that ran.</summary>
    public DriverResult Step(string id) => Steps.Single(s => s.StepId == id).Result ?? throw new Xunit.Sdk.XunitException($"Step '{id}' was skipped.");
}
