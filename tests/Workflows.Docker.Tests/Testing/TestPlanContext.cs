using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;

namespace Workflows.Docker.Tests.Testing;

/// <summary>A plan context for planning one action without the engine; unknown inputs are given by path.</summary>
public sealed class TestPlanContext(object inputs, IReadOnlyDictionary<string, string>? unknown = null) : PlanContext
{
    private readonly JsonObject inputs = inputs as JsonObject ?? JsonSerializer.SerializeToNode(inputs, JsonDefaults.Options)!.AsObject();

    public TestAudit Recorder { get; } = new();

    public override string WorkflowName => "test";

    public override string StepId => "step";

    public override string? IdempotencyKey => null;

    public override CancellationToken CancellationToken => CancellationToken.None;

    public override TimeProvider Clock => TimeProvider.System;

    public override IStepAudit Audit => Recorder;

    public override JsonObject Inputs => inputs;

    public override IReadOnlyDictionary<string, string> Unknown { get; } = unknown ?? new Dictionary<string, string>();

    public override T GetInputs<T>()
        where T : class => inputs.Deserialize<T>(JsonDefaults.Options)!;

    /// <summary>Plans <paramref name="actionName"/> as the engine would: the registered action, asked through <see cref="IPlannableAction"/>.</summary>
    public static async Task<StepPlan> PlanAsync(IServiceProvider services, string actionName, object inputs, IReadOnlyDictionary<string, string>? unknown = null)
    {
        var descriptor = services.GetServices<ActionDescriptor>().Single(d => d.Name == actionName);
        var action = Assert.IsAssignableFrom<IPlannableAction>(services.GetRequiredService(descriptor.ActionType));
        return await action.PlanAsync(new TestPlanContext(inputs, unknown));
    }
}
