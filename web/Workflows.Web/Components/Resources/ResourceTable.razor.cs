using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Accounts;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Resources;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Resources;

/// <summary>Entries of the resource ledger; with <see cref="CanDelete"/>, a checkbox and a Delete button on each deletable entry.</summary>
public partial class ResourceTable
{
    /// <summary>Gets or sets the entries.</summary>
    [Parameter]
    public IReadOnlyList<ResourceEntry> Resources { get; set; } = [];

    /// <summary>Gets or sets whether to show the owning run (off on a run's own page). Default is true.</summary>
    [Parameter]
    public bool ShowRun { get; set; } = true;

    /// <summary>Gets or sets the headline when there are no entries.</summary>
    [Parameter]
    public string EmptyTitle { get; set; } = "No resources recorded";

    /// <summary>Gets or sets which entries may be deleted (they get a checkbox and a Delete button), or null for a read-only table. Default is null.</summary>
    [Parameter]
    public Func<ResourceEntry, bool>? CanDelete { get; set; }

    /// <summary>Gets or sets the selected entries (checked boxes). Default is none.</summary>
    [Parameter]
    public IReadOnlySet<ResourceKey> Selected { get; set; } = new HashSet<ResourceKey>();

    /// <summary>Gets or sets what happens when an entry's box was checked (true) or cleared (false).</summary>
    [Parameter]
    public EventCallback<ResourceSelectionChange> SelectionChanged { get; set; }

    /// <summary>Gets or sets what happens when an entry's Delete was clicked.</summary>
    [Parameter]
    public EventCallback<ResourceEntry> DeleteClicked { get; set; }

    /// <summary>Gets the key of a ledger entry: kind, provider and external id.</summary>
    /// <param name="entry">The entry.</param>
    /// <returns>Its key.</returns>
    public static ResourceKey KeyOf(ResourceEntry entry) => new(entry.Kind, entry.Provider ?? "", entry.ExternalId);

    /// <summary>
    /// Gets what the chip of an entry that left the ledger says on hover: gone (when the check found it missing and who
    /// ran the check), or deleted by a run.
    /// </summary>
    /// <param name="entry">An entry with <see cref="ResourceEntry.DeletedAt"/> set.</param>
    /// <returns>The tooltip's text.</returns>
    public static string DeletedHelp(ResourceEntry entry) => entry.DeletedReason == ResourceDeletedReason.Gone
        ? $"Gone: a check against the cloud found it missing at {Formatting.Time(entry.DeletedAt)}{(entry.DeletedBy is null ? "" : $", run by {Actors.Display(entry.DeletedBy)}")}. No run of ours deleted it."
        : $"Deleted by a run (its step, its compensation or a clean-up run) at {Formatting.Time(entry.DeletedAt)}.";

    private bool IsSelected(ResourceEntry entry) => Selected.Contains(KeyOf(entry));

    private Task ToggleAsync(ResourceEntry entry, bool value) => SelectionChanged.InvokeAsync(new ResourceSelectionChange(entry, value));
}

/// <summary>An entry's checkbox was checked or cleared.</summary>
/// <param name="Entry">The entry.</param>
/// <param name="Selected">Whether it is now selected.</param>
public sealed record ResourceSelectionChange(ResourceEntry Entry, bool Selected);
