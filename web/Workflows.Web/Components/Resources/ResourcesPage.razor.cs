using System.Net;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Resources;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Resources;

/// <summary>
/// The resource ledger across runs, with filters (orphans; deleted ones too; only those a check found gone); operators
/// delete orphans one by one or as a selection, and check the ledger against the cloud.
/// </summary>
public partial class ResourcesPage
{
    private readonly HashSet<ResourceKey> selected = [];
    private IReadOnlyList<ResourceEntry> resources = [];
    private bool orphansOnly;
    private bool includeDeleted;
    private bool goneOnly;
    private string kind = "";
    private bool loading = true;
    private string? loadError;
    private bool canOperate;
    private string actor = "unknown";
    private bool busy;
    private string? cleanupError;
    private bool checking;
    private int checkDone;
    private int checkTotal;
    private ResourceCheckResult? checkResult;

    [Inject]
    private IRunQueries Queries { get; set; } = default!;

    [Inject]
    private IResourceCleanup Cleanup { get; set; } = default!;

    [Inject]
    private IResourceCheck Check { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        if (AuthenticationState is not null)
        {
            var user = (await AuthenticationState).User;
            canOperate = user.CanOperate();
            actor = user.ActorName();
        }

        await LoadAsync();
    }

    private Func<ResourceEntry, bool>? DeleteFilter => canOperate && orphansOnly ? Deletable : null;

    private bool Deletable(ResourceEntry entry) => entry.DeletedAt is null && Cleanup.IsDeletable(entry.Kind);

    private async Task LoadAsync()
    {
        try
        {
            resources = await Queries.GetResourcesAsync(new ResourceFilter
            {
                OrphansOnly = orphansOnly,
                IncludeDeleted = includeDeleted && !orphansOnly,
                DeletedReason = goneOnly && !orphansOnly ? ResourceDeletedReason.Gone : null,
                Kind = kind.Length > 0 ? kind : null,
            });
            loadError = null;

            // A selection only ever holds what the table shows.
            selected.IntersectWith(resources.Where(Deletable).Select(ResourceTable.KeyOf));
        }
#pragma warning disable CA1031 // shown to the user as an error state
        catch (Exception ex)
#pragma warning restore CA1031
        {
            loadError = ex.Message;
        }
        finally
        {
            loading = false;
        }
    }

    private Task OrphansChanged(bool value)
    {
        orphansOnly = value;
        return LoadAsync();
    }

    private Task DeletedChanged(bool value)
    {
        includeDeleted = value;
        return LoadAsync();
    }

    private Task GoneChanged(bool value)
    {
        goneOnly = value;
        return LoadAsync();
    }

    private Task KindChanged(string? value)
    {
        kind = value?.Trim() ?? "";
        return LoadAsync();
    }

    private async Task CheckAsync()
    {
        if (!canOperate || checking)
        {
            return;
        }

        checking = true;
        checkResult = null;
        checkDone = checkTotal = 0;
        try
        {
            var progress = new Progress<(int Done, int Total)>(p =>
            {
                checkDone = p.Done;
                checkTotal = p.Total;
                _ = InvokeAsync(StateHasChanged);
            });
            checkResult = await Check.CheckAsync(null, actor, progress);
        }
        finally
        {
            checking = false;
        }

        await LoadAsync();
    }

    private void Toggle(ResourceSelectionChange change)
    {
        if (change.Selected)
        {
            selected.Add(ResourceTable.KeyOf(change.Entry));
        }
        else
        {
            selected.Remove(ResourceTable.KeyOf(change.Entry));
        }
    }

    private void ClearSelection() => selected.Clear();

    private Task DeleteOneAsync(ResourceEntry entry) => DeleteAsync([entry]);

    private Task DeleteSelectedAsync() => DeleteAsync(resources.Where(r => selected.Contains(ResourceTable.KeyOf(r))).ToList());

    private async Task DeleteAsync(IReadOnlyList<ResourceEntry> entries)
    {
        if (!canOperate || busy || entries.Count == 0)
        {
            return;
        }

        var items = string.Concat(entries.Select(e => $"<li><code>{WebUtility.HtmlEncode(e.Kind)}</code> {WebUtility.HtmlEncode(e.Name ?? "")} <code>{WebUtility.HtmlEncode(e.ExternalId)}</code> on {WebUtility.HtmlEncode(e.Provider ?? "")}</li>"));
        var confirmed = await Dialogs.ShowMessageBoxAsync(new MessageBoxOptions
        {
            Title = $"Delete {entries.Count} resource(s)?",
            MarkupMessage = new MarkupString($"<p>A run of <code>resource-cleanup</code> will delete, one step each:</p><ul class=\"wf-confirm-list\" data-testid=\"delete-confirm-list\">{items}</ul><p>Each is marked deleted in the ledger once it is gone.</p>"),
            YesText = $"Delete {entries.Count}",
            CancelText = "Keep them",
        });
        if (confirmed != true)
        {
            return;
        }

        busy = true;
        cleanupError = null;
        try
        {
            var run = await Cleanup.StartAsync(entries.Select(ResourceTable.KeyOf).ToList(), actor, TriggerKind.Portal);
            selected.Clear();
            Navigation.NavigateTo($"runs/{run.Id}");
        }
        catch (ResourceCleanupRefusedException ex)
        {
            cleanupError = $"Nothing was started: {string.Join("; ", ex.Problems.Values)}";
            await LoadAsync();
        }
        finally
        {
            busy = false;
        }
    }
}
