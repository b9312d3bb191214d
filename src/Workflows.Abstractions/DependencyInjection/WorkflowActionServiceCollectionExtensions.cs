using Microsoft.Extensions.DependencyInjection.Extensions;
using Workflows.Abstractions.Actions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers step actions.</summary>
public static class WorkflowActionServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TAction"/> as the action named <paramref name="name"/>
    /// (e.g. <c>nova.server.create</c>). The action is resolved per execution (transient).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The name used in <c>uses:</c>.</param>
    /// <param name="description">One line for the portal and the API.</param>
    /// <param name="poll">
    /// How the engine polls a waiting step of this action unless the step sets <c>poll:</c>; null for
    /// <see cref="Workflows.Abstractions.Definitions.PollSchedule.Default"/>. Pick what notices the
    /// outside world soon after it changes, e.g. 1 s doubling to 10 s for a server that builds in seconds.
    /// </param>
    /// <exception cref="ArgumentException">The name is empty or not of the form <c>a.b</c> with lowercase letters, digits, dots, dashes and underscores.</exception>
    public static IServiceCollection AddWorkflowAction<TAction>(this IServiceCollection services, string name, string? description = null, Workflows.Abstractions.Definitions.PollSchedule? poll = null)
        where TAction : class, IStepAction
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"Action name '{name}' is invalid: use lowercase letters, digits, '.', '-' and '_', e.g. 'nova.server.create'.", nameof(name));
        }

        var (input, output) = FindTypes(typeof(TAction));
        services.TryAddTransient<TAction>();
        services.AddSingleton(new ActionDescriptor(name, typeof(TAction), input, output, description, poll));
        return services;
    }

    private static bool IsValidName(string name) =>
        !string.IsNullOrEmpty(name) && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-' or '_')
        && char.IsAsciiLetterLower(name[0]);

    private static (Type? Input, Type? Output) FindTypes(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(StepAction<,>))
            {
                var args = t.GetGenericArguments();
                return (args[0], args[1]);
            }

            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(StepAction<>))
            {
                return (t.GetGenericArguments()[0], null);
            }
        }

        return (null, null);
    }
}
