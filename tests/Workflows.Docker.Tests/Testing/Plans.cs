using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Testing;

namespace Workflows.Docker.Tests.Testing;

/// <summary>Plans one registered action as the engine would, with the kit's plan context.</summary>
public static class Plans
{
    /// <summary>Plans <paramref name="actionName"/>: the registered action, asked through <see cref="IPlannableAction"/>.</summary>
    public static async Task<StepPlan> PlanAsync(IServiceProvider services, string actionName, object inputs, IReadOnlyDictionary<string, string>? unknown = null)
    {
        var descriptor = services.GetServices<ActionDescriptor>().Single(d => d.Name == actionName);
        var action = Assert.IsAssignableFrom<IPlannableAction>(services.GetRequiredService(descriptor.ActionType));
        return await action.PlanAsync(new TestPlanContext(inputs, unknown));
    }
}
