using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;

namespace Workflows.Docker.Tests.Testing;

/// <summary>
/// Plays the engine for one step: calls the action, honours Pending by waiting (capped) and calling
/// again with the returned state, until Completed or Failed. A StepFailedException becomes Failed.
/// </summary>
public sealed class ActionDriver(IServiceProvider services)
{
    public InMemoryLedger Ledger { get; } = new();

    public TestLog Log { get; } = new();

    public TestAudit Audit { get; } = new();

    public Guid RunId { get; } = Guid.NewGuid();

    public List<string> Progress { get; } = [];

    /// <summary>Gets the last pending state (what the engine would have persisted).</summary>
    public JsonElement? LastState { get; private set; }

    public Task<StepResult> RunAsync(string actionName, object inputs, string? idempotencyKey = null, CompensationTarget? compensating = null, Func<int, Task>? beforePoll = null, int? maxPolls = null, CancellationToken cancellationToken = default) =>
        RunJsonAsync(actionName, ToJson(inputs), idempotencyKey ?? $"{RunId}:step", compensating, beforePoll, maxPolls, cancellationToken);

    public async Task<StepResult> RunJsonAsync(string actionName, JsonObject inputs, string idempotencyKey, CompensationTarget? compensating, Func<int, Task>? beforePoll, int? maxPolls, CancellationToken cancellationToken)
    {
        var descriptor = services.GetServices<ActionDescriptor>().Single(d => d.Name == actionName);
        var context = new TestStepContext(services, inputs, idempotencyKey, RunId, Ledger, Log, Audit)
        {
            Token = cancellationToken,
            CompensationTarget = compensating,
        };
        LastState = null;
        for (var poll = 0; ; poll++)
        {
            if (beforePoll is not null)
            {
                await beforePoll(poll);
            }

            context.Polls = poll;
            context.CurrentState = LastState;
            var action = (IStepAction)services.GetRequiredService(descriptor.ActionType);
            StepResult result;
            try
            {
                result = await action.ExecuteAsync(context);
            }
            catch (StepFailedException ex)
            {
                return StepResult.Failed(ex.ErrorCode, ex.Message, ex.Retryable);
            }

            if (result is not PendingResult pending)
            {
                return result;
            }

            if (pending.Progress is { } p)
            {
                Progress.Add(p);
            }

            LastState = JsonSerializer.SerializeToElement(pending.State, JsonDefaults.Options);
            if (maxPolls is { } max && poll + 1 >= max)
            {
                return result;
            }

            await Task.Delay(pending.PollAfter is { } after && after < TimeSpan.FromMilliseconds(500) ? after : TimeSpan.FromMilliseconds(500), cancellationToken); // null: the engine's schedule
        }
    }

    public static JsonObject ToJson(object inputs) =>
        inputs as JsonObject ?? JsonSerializer.SerializeToNode(inputs, JsonDefaults.Options)!.AsObject();

    public static T Outputs<T>(StepResult result)
    {
        var completed = Assert.IsType<CompletedResult>(result);
        return JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(completed.Outputs, JsonDefaults.Options), JsonDefaults.Options)!;
    }
}
