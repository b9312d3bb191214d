using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;

namespace Workflows.Testing;

/// <summary>
/// Runs step actions outside the engine, the way Temporal's <c>ActivityEnvironment</c> runs activities: one environment per
/// test run, giving each step a context with a fake clock, the run's log/audit/ledger recorder, a cancellation the test
/// controls, and a driver that calls the action through its polls until it completes.
/// </summary>
/// <example>
/// <code>
/// var env = new ActionEnvironment(services);
/// var run = await env.RunAsync&lt;MyAction&gt;(new MyInputs { Name = "web" });
/// var outputs = run.OutputsAs&lt;MyOutputs&gt;();
/// Assert.Contains(env.Recorder.Lines, l => l.Contains("created", StringComparison.Ordinal));
/// </code>
/// </example>
public sealed class ActionEnvironment : IDisposable
{
    private readonly CancellationTokenSource cancellation = new();
    private readonly List<string> progress = [];

    /// <summary>Creates an environment over the services the actions resolve from.</summary>
    /// <param name="services">The services (the action, its clients, its options).</param>
    /// <param name="clock">The clock steps see: a <see cref="FakeTimeProvider"/> at the current time when null (the driver
    /// advances it by each poll's delay); pass <see cref="TimeProvider.System"/> for an action that waits on a real system.</param>
    public ActionEnvironment(IServiceProvider services, TimeProvider? clock = null)
    {
        Services = services ?? throw new ArgumentNullException(nameof(services));
        Clock = clock ?? new FakeTimeProvider(DateTimeOffset.UtcNow);
        Recorder = new RunRecorder(RunId, Clock);
    }

    /// <summary>Gets the services the actions resolve from.</summary>
    public IServiceProvider Services { get; }

    /// <summary>Gets the clock every context of this environment carries.</summary>
    public TimeProvider Clock { get; }

    /// <summary>Gets the clock as a fake one, to advance it by hand; null when the environment runs on a real clock.</summary>
    public FakeTimeProvider? FakeClock => Clock as FakeTimeProvider;

    /// <summary>Gets the run's id (the idempotency keys derive from it).</summary>
    public Guid RunId { get; } = Guid.NewGuid();

    /// <summary>Gets or sets the workflow's name. Default is <c>test</c>.</summary>
    public string Workflow { get; set; } = "test";

    /// <summary>Gets the run's log, audit and ledger, shared by every step of this environment.</summary>
    public RunRecorder Recorder { get; }

    /// <summary>Gets or sets the longest real wait between polls on a real clock. Default is <see cref="ActionDriver.PollCap"/>.</summary>
    public TimeSpan PollCap { get; set; } = ActionDriver.PollCap;

    /// <summary>Gets or sets the most calls of one step before the driver gives up. Default is 400.</summary>
    public int MaxCalls { get; set; } = 400;

    /// <summary>Gets the progress texts of every pending call of every step this environment drove, in order.</summary>
    public IReadOnlyList<string> Progress
    {
        get
        {
            lock (progress)
            {
                return [.. progress];
            }
        }
    }

    /// <summary>Gets the token every context of this environment carries.</summary>
    public CancellationToken CancellationToken => cancellation.Token;

    /// <summary>Cancels the run: the token of every step of this environment, running or not, is cancelled.</summary>
    public void Cancel() => cancellation.Cancel();

    /// <summary>Makes the context of one step of this run.</summary>
    /// <param name="inputs">The <c>with:</c> inputs; secrets among them are redacted from the recorder.</param>
    /// <param name="stepId">The step's id.</param>
    /// <param name="compensating">For a compensation, the step being undone.</param>
    /// <param name="idempotencyKey">The key; <c>{runId:N}:{stepId}</c> when null.</param>
    public TestStepContext Context(object inputs, string stepId = "step", CompensationTarget? compensating = null, string? idempotencyKey = null) =>
        new(Services, inputs, stepId, RunId, compensating, Recorder, idempotencyKey)
        {
            Workflow = Workflow,
            TestClock = Clock,
            Token = cancellation.Token,
        };

    /// <summary>Makes a context with a deadline, <paramref name="timeout"/> from now on this environment's clock.</summary>
    /// <param name="inputs">The inputs.</param>
    /// <param name="timeout">The step's timeout.</param>
    /// <param name="stepId">The step's id.</param>
    public TestStepContext ContextWithTimeout(object inputs, TimeSpan timeout, string stepId = "step")
    {
        var context = Context(inputs, stepId);
        context.StepDeadline = Clock.GetUtcNow() + timeout;
        return context;
    }

    /// <summary>Makes the plan context of one step of this run (no ledger, no log: planning only reads).</summary>
    /// <param name="inputs">The inputs.</param>
    /// <param name="unknown">The inputs not known yet, by path.</param>
    /// <param name="stepId">The step's id.</param>
    public TestPlanContext PlanContext(object inputs, IReadOnlyDictionary<string, string>? unknown = null, string stepId = "step") =>
        new(inputs, unknown, stepId, Recorder) { Workflow = Workflow, TestClock = Clock, Token = cancellation.Token };

    /// <summary>Runs the action <typeparamref name="TAction"/> through its polls until it completes or fails.</summary>
    /// <typeparam name="TAction">The action's type, resolved from <see cref="Services"/>.</typeparam>
    /// <param name="inputs">The inputs.</param>
    /// <param name="stepId">The step's id.</param>
    public Task<DriverResult> RunAsync<TAction>(object inputs, string stepId = "step")
        where TAction : IStepAction =>
        RunAsync(Services.GetRequiredService<TAction>(), Context(inputs, stepId));

    /// <summary>Runs the action registered under <paramref name="actionName"/> (its <c>uses:</c> name) through its polls.</summary>
    /// <param name="actionName">The action's name, e.g. <c>docker.service.deploy</c>.</param>
    /// <param name="inputs">The inputs.</param>
    /// <param name="idempotencyKey">The step's key; <c>{runId:N}:step</c> when null.</param>
    /// <param name="compensating">For a compensation, the step being undone.</param>
    /// <param name="beforePoll">Called before each call with the number of calls before it (0 first).</param>
    /// <param name="maxPolls">When set, the driver returns the pending result after this many pending calls.</param>
    /// <param name="cancellationToken">A token of the test's own, cancelling the step besides <see cref="Cancel"/>.</param>
    /// <exception cref="InvalidOperationException">No action is registered under that name.</exception>
    public async Task<DriverResult> RunAsync(string actionName, object inputs, string? idempotencyKey = null, CompensationTarget? compensating = null, Func<int, Task>? beforePoll = null, int? maxPolls = null, CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation.Token, cancellationToken);
        var context = Context(inputs, compensating: compensating, idempotencyKey: idempotencyKey);
        context.Token = linked.Token;
        return await RunAsync(actionName, context, new DriverOptions
        {
            MaxCalls = MaxCalls,
            BeforeCall = beforePoll,
            StopWhen = maxPolls is { } max ? (_, n) => n >= max : null,
        });
    }

    /// <summary>Runs the action registered under <paramref name="actionName"/> with a context made by <see cref="Context"/>.</summary>
    /// <param name="actionName">The action's name.</param>
    /// <param name="context">The context.</param>
    /// <param name="hooks">Hooks and limits; the action's own poll schedule and this environment's limits when null.</param>
    public Task<DriverResult> RunAsync(string actionName, TestStepContext context, DriverOptions? hooks = null)
    {
        var descriptor = Services.GetServices<ActionDescriptor>().FirstOrDefault(d => d.Name == actionName)
            ?? throw new InvalidOperationException($"No action is registered as '{actionName}'.");
        var action = (IStepAction)Services.GetRequiredService(descriptor.ActionType);
        return TrackAsync(ActionDriver.RunAsync(action, context, Options(hooks, descriptor.Poll)));
    }

    /// <summary>Runs <paramref name="action"/> with <paramref name="context"/> through its polls.</summary>
    /// <param name="action">The action.</param>
    /// <param name="context">The context.</param>
    /// <param name="hooks">Hooks and limits; this environment's limits when null.</param>
    public Task<DriverResult> RunAsync(IStepAction action, TestStepContext context, DriverOptions? hooks = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        var poll = Services.GetServices<ActionDescriptor>().FirstOrDefault(d => d.ActionType == action.GetType())?.Poll;
        return TrackAsync(ActionDriver.RunAsync(action, context, Options(hooks, poll)));
    }

    /// <summary>Calls the action <typeparamref name="TAction"/> once (the first call of an attempt).</summary>
    /// <typeparam name="TAction">The action's type.</typeparam>
    /// <param name="context">The context.</param>
    public Task<StepResult> ExecuteOnceAsync<TAction>(TestStepContext context)
        where TAction : IStepAction =>
        ActionDriver.ExecuteOnceAsync<TAction>(context);

    /// <inheritdoc />
    public void Dispose() => cancellation.Dispose();

    private async Task<DriverResult> TrackAsync(Task<DriverResult> driving)
    {
        var result = await driving;
        lock (progress)
        {
            progress.AddRange(result.Progress);
        }

        return result;
    }

    private DriverOptions Options(DriverOptions? hooks, PollSchedule? poll) =>
        (hooks ?? new DriverOptions { MaxCalls = MaxCalls }) with
        {
            Schedule = hooks?.Schedule is { } s && !ReferenceEquals(s, PollSchedule.Default) ? s : poll ?? PollSchedule.Default,
            PollCap = hooks?.PollCap ?? PollCap,
        };
}
