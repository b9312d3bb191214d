using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Runs;

/// <summary>A run's audit trail, oldest first.</summary>
public partial class AuditTable
{
    /// <summary>Gets or sets the events.</summary>
    [Parameter]
    public IReadOnlyList<AuditEvent> Events { get; set; } = [];
}
