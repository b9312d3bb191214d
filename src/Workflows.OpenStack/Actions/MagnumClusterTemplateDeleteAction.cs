using System.Net;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;

namespace Workflows.OpenStack.Actions;

/// <summary>Inputs of <c>magnum.clustertemplate.delete</c>.</summary>
public sealed class MagnumClusterTemplateDeleteInputs
{
    /// <summary>Gets or sets the cloud name.</summary>
    public string? Cloud { get; set; }

    /// <summary>Gets or sets the template's name or uuid.</summary>
    public string? Template { get; set; }
}

/// <summary>Outputs of <c>magnum.clustertemplate.delete</c>.</summary>
/// <param name="Id">The template's uuid (or the name given, when it was already gone).</param>
/// <param name="Deleted">Whether this step deleted it (false: it was already gone).</param>
public sealed record MagnumClusterTemplateDeleteOutputs(string Id, bool Deleted);

/// <summary>
/// <c>magnum.clustertemplate.delete</c>: deletes a cluster template (e.g. one <c>magnum.cluster.create</c> created, from the
/// Resources page). Magnum refuses while clusters use it; the step then waits (polling, with the clusters named in its
/// progress) until they are gone, so a clean-up of a cluster and its template in one run needs no ordering. A template
/// already gone is a success; the ledger row is marked deleted either way.
/// </summary>
public sealed class MagnumClusterTemplateDeleteAction(IOpenStackClientFactory clients, IOptions<OpenStackOptions> options) : StepAction<MagnumClusterTemplateDeleteInputs, MagnumClusterTemplateDeleteOutputs>
{
    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(MagnumClusterTemplateDeleteInputs inputs, StepContext context)
    {
        var ct = context.CancellationToken;
        if (string.IsNullOrWhiteSpace(inputs.Template))
        {
            return StepResult.Failed("inputs.invalid", "template: give the cluster template's name or uuid.", retryable: false);
        }

        try
        {
            var os = clients.Connect(inputs.Cloud, context.Audit);
            var magnum = os.ContainerInfra;
            var template = await magnum.TryGetClusterTemplateAsync(inputs.Template, ct);
            if (template is null)
            {
                context.Log.WriteLine($"Cluster template {inputs.Template} is already gone.");
                await context.Resources.MarkDeletedAsync(ResourceKinds.ClusterTemplate, inputs.Template, os.Cloud.Name, ct);
                return Completed(new MagnumClusterTemplateDeleteOutputs(inputs.Template, false));
            }

            try
            {
                await magnum.DeleteClusterTemplateAsync(template.Uuid, ct);
            }
            catch (OpenStackException ex) when (ex.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Conflict && ex.ApiMessage?.Contains("referenced", StringComparison.OrdinalIgnoreCase) == true)
            {
                var users = (await magnum.ListClustersAsync(ct)).Where(c => c.ClusterTemplateId == template.Uuid).Select(c => $"{c.Name} ({c.Status})").ToList();
                return ActionSupport.Pending(
                    options.Value,
                    context.PollCount,
                    $"template {template.Name} is in use by {(users.Count > 0 ? string.Join(", ", users) : "a cluster")}; waiting for it to be deleted",
                    new MagnumClusterTemplateDeleteOutputs(template.Uuid, false));
            }

            await context.Resources.MarkDeletedAsync(ResourceKinds.ClusterTemplate, template.Uuid, os.Cloud.Name, ct);
            context.Log.WriteLine($"Deleted cluster template {template.Name} ({template.Uuid}).");
            return Completed(new MagnumClusterTemplateDeleteOutputs(template.Uuid, true));
        }
        catch (OpenStackException ex)
        {
            return ActionSupport.Fail(ex);
        }
    }
}
