using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Network.Responses;

namespace Workflows.OpenStack.Actions;

/// <summary>Inputs of <c>neutron.floatingip.release</c>.</summary>
public sealed class FloatingIpReleaseInputs
{
    /// <summary>Gets or sets the cloud name.</summary>
    public string? Cloud { get; set; }

    /// <summary>Gets or sets the floating IP id.</summary>
    public string? FloatingIpId { get; set; }

    /// <summary>Gets or sets the floating address (used when no id is given).</summary>
    public string? Address { get; set; }
}

/// <summary>Outputs of <c>neutron.floatingip.release</c>.</summary>
/// <param name="Id">The floating IP released, if one was found.</param>
/// <param name="Released">Whether one existed and was released.</param>
public sealed record FloatingIpReleaseOutputs(string? Id, bool Released);

/// <summary>Releases a floating IP (which also disassociates it). Releasing a missing one succeeds.</summary>
public sealed class FloatingIpReleaseAction(IOpenStackClientFactory clients) : StepAction<FloatingIpReleaseInputs, FloatingIpReleaseOutputs>
{
    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(FloatingIpReleaseInputs inputs, StepContext context)
    {
        var ct = context.CancellationToken;
        try
        {
            var os = clients.Connect(inputs.Cloud, context.Audit);
            var network = os.Network;
            var ids = new List<string>();
            if ((inputs.FloatingIpId ?? ActionSupport.ReadString(context.Compensating?.Outputs, "id")) is { } id)
            {
                ids.Add(id);
            }
            else if (inputs.Address is { } address)
            {
                ids.AddRange((await network.ListFloatingIpsAsync(address: address, cancellationToken: ct)).Select(f => f.Id));
            }
            else if (context.Compensating is { } target)
            {
                var description = FloatingIpAttachAction.DescriptionPrefix + ActionSupport.Tag(target.IdempotencyKey);
                ids.AddRange((await network.ListFloatingIpsAsync(description: description, cancellationToken: ct)).Select(f => f.Id));
            }
            else
            {
                return StepResult.Failed("inputs.invalid", "neutron.floatingip.release needs 'floatingIpId' or 'address'.", retryable: false);
            }

            var released = false;
            foreach (var fipId in ids)
            {
                released |= await network.DeleteFloatingIpAsync(fipId, ct);
                await context.Resources.MarkDeletedAsync(ResourceKinds.FloatingIp, fipId, os.Cloud.Name, ct);
                context.Log.WriteLine($"Released floating IP {fipId}.");
            }

            return Completed(new FloatingIpReleaseOutputs(ids.FirstOrDefault(), released));
        }
        catch (OpenStackException ex)
        {
            return ActionSupport.Fail(ex);
        }
    }
}
