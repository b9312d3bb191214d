using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Compute.Responses;

namespace Workflows.OpenStack.Actions;

/// <summary>Inputs of <c>nova.server.delete</c>.</summary>
public sealed class NovaServerDeleteInputs
{
    /// <summary>Gets or sets the cloud name.</summary>
    public string? Cloud { get; set; }

    /// <summary>Gets or sets the server id. When null in a compensation, the server is found by the compensated step's outputs, state or idempotency key.</summary>
    public string? ServerId { get; set; }
}

/// <summary>Outputs of <c>nova.server.delete</c>.</summary>
/// <param name="ServerId">The server deleted, if one was found.</param>
/// <param name="Deleted">Whether a server existed and is now gone.</param>
public sealed record NovaServerDeleteOutputs(string? ServerId, bool Deleted);

/// <summary>Deletes a server and waits until Nova no longer returns it. Deleting a missing server succeeds.</summary>
public sealed class NovaServerDeleteAction(IOpenStackClientFactory clients, IOptions<OpenStackOptions> options) : StepAction<NovaServerDeleteInputs, NovaServerDeleteOutputs>
{
    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(NovaServerDeleteInputs inputs, StepContext context)
    {
        var ct = context.CancellationToken;
        try
        {
            var os = clients.Connect(inputs.Cloud, context.Audit);
            var state = context.GetState<ServerState>();
            var id = state?.ServerId
                ?? inputs.ServerId
                ?? ActionSupport.ReadString(context.Compensating?.Outputs, "id")
                ?? ActionSupport.ReadString(context.Compensating?.State, "serverId");
            if (id is null && context.Compensating is { } target)
            {
                id = (await NovaServerCreateAction.FindByKeyAsync(os.Compute, target.IdempotencyKey, ct))?.Id;
            }

            if (id is null)
            {
                if (context.Compensating is null)
                {
                    return StepResult.Failed("inputs.invalid", "nova.server.delete needs a 'serverId'.", retryable: false);
                }

                context.Log.WriteLine("No server to delete: the compensated step created none.");
                return Completed(new NovaServerDeleteOutputs(null, false));
            }

            if (state is null)
            {
                if (!await os.Compute.DeleteServerAsync(id, ct))
                {
                    await context.Resources.MarkDeletedAsync(ResourceKinds.Server, id, os.Cloud.Name, ct);
                    context.Log.WriteLine($"Server {id} is already gone.");
                    return Completed(new NovaServerDeleteOutputs(id, true));
                }

                context.Log.WriteLine($"Deleting server {id}.");
                return ActionSupport.Pending(options.Value, 0, "deleting", new ServerState(id));
            }

            var server = await os.Compute.TryGetServerAsync(id, ct);
            if (server is null || server.Status == "DELETED")
            {
                await context.Resources.MarkDeletedAsync(ResourceKinds.Server, id, os.Cloud.Name, ct);
                context.Log.WriteLine($"Server {id} is gone.");
                return Completed(new NovaServerDeleteOutputs(id, true));
            }

            if (server.TaskState != "deleting")
            {
                // A delete can be lost (e.g. a server still in BUILD on some clouds): ask again.
                await os.Compute.DeleteServerAsync(id, ct);
            }

            return ActionSupport.Pending(options.Value, context.PollCount, $"deleting ({server.Status})", state);
        }
        catch (OpenStackException ex)
        {
            return ActionSupport.Fail(ex);
        }
    }
}
