using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Engine.Execution;

/// <summary>Resolves each job from its own DI scope of the engine's container (one activator per engine, not Hangfire's <c>JobActivator.Current</c>).</summary>
internal sealed class ScopedJobActivator(IServiceScopeFactory scopes) : JobActivator
{
    public override JobActivatorScope BeginScope(JobActivatorContext context) => new Scope(scopes.CreateScope());

    private sealed class Scope(IServiceScope scope) : JobActivatorScope
    {
        public override object Resolve(Type type) => ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, type);

        public override void DisposeScope() => scope.Dispose();
    }
}
