using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Runs;

/// <summary>Bulk operations of the runs list: checkboxes, "select all N matching", Cancel / Retry / Approve / Reject with a confirmation, and the per-run results.</summary>
public sealed partial class RunsPage
{
    private readonly HashSet<Guid> selected = [];
    private bool allMatching;
    private bool bulkBusy;
    private bool canOperate;
    private string actor = "unknown";
    private BulkResult? bulkResult;
    private string? bulkError;

    [Inject]
    private IRunBulkCommands Bulk { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    private int SelectedCount => allMatching ? result?.Total ?? 0 : selected.Count;

    private bool PageAllSelected => result is { Items.Count: > 0 } r && (allMatching || r.Items.All(i => selected.Contains(i.Id)));

    /// <summary>Reads whether the signed-in user may act on runs (the bulk checkboxes) and their name.</summary>
    private async Task ReadOperatorAsync()
    {
        if (AuthenticationState is not null)
        {
            var user = (await AuthenticationState).User;
            canOperate = user.CanOperate();
            actor = user.ActorName();
        }
    }

    private void ToggleRun(Guid id, bool value)
    {
        if (allMatching)
        {
            // Leaving "all matching" keeps the visible page selected, minus this run.
            allMatching = false;
            selected.UnionWith(result?.Items.Select(i => i.Id) ?? []);
        }

        if (value)
        {
            selected.Add(id);
        }
        else
        {
            selected.Remove(id);
        }
    }

    private void TogglePage(bool value)
    {
        allMatching = false;
        foreach (var r in result?.Items ?? [])
        {
            if (value)
            {
                selected.Add(r.Id);
            }
            else
            {
                selected.Remove(r.Id);
            }
        }
    }

    private void SelectAllMatching() => allMatching = true;

    private void ClearSelection()
    {
        allMatching = false;
        selected.Clear();
    }

    private async Task BulkAsync(BulkAction action)
    {
        var count = SelectedCount;
        if (!canOperate || count == 0 || bulkBusy)
        {
            return;
        }

        var verb = action.ToString().ToLowerInvariant();
        var what = allMatching ? $"all {count} run(s) matching the filters" : $"{count} selected run(s)";
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            $"{action} {count} run(s)?",
            $"This will {verb} {what}. Runs it does not apply to are skipped; each run's audit records the bulk operation and you as its author.",
            yesText: $"{action} {count} run(s)",
            cancelText: "Keep them");
        if (confirmed != true)
        {
            return;
        }

        bulkBusy = true;
        bulkError = null;
        try
        {
            var filter = BuildFilter();
            var request = allMatching
                ? new BulkRequest(action, actor, null, filter, Comment: null)
                : new BulkRequest(action, actor, [.. selected], null, Comment: null);
            bulkResult = await Bulk.BulkAsync(request);
            ClearSelection();
            await LoadAsync();
        }
        catch (InputValidationException ex)
        {
            bulkError = ex.Message;
        }
        finally
        {
            bulkBusy = false;
        }
    }
}
