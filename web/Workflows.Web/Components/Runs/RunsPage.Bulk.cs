using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Runs;

/// <summary>
/// Bulk operations of the runs list: checkboxes, "select all N matching", Cancel / Retry / Approve / Reject with a
/// confirmation, and the per-run results. The list's total is a lower bound past 10,000 runs
/// (<see cref="PageOf{T}.TotalExact"/>), so "all matching" never states a number it does not know: the confirmation counts
/// the matching runs again and says exactly how many the operation acts on, or, past <see cref="BulkRequest.MaxRuns"/>
/// (which the engine refuses for a filter as a whole), that it would act on none and how to narrow the filters.
/// </summary>
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

    private bool TotalExact => result?.TotalExact ?? true;

    private string SelectionText => !allMatching ? $"{Number(selected.Count)} selected"
        : TotalExact ? $"All {Number(SelectedCount)} matching run(s) selected"
        : $"All matching runs selected (at least {Number(SelectedCount)})";

    private string SelectAllText => TotalExact ? $"Select all {Number(result?.Total ?? 0)} matching" : $"Select all matching (at least {Number(result?.Total ?? 0)})";

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

    private static string Number(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Counts the runs matching the list's filters now (a first page's count), or null after showing why it could not.</summary>
    private async Task<PageOf<RunSummary>?> CountMatchingAsync()
    {
        try
        {
            return await Queries.ListAsync(BuildFilter() with { Page = 1 });
        }
#pragma warning disable CA1031 // shown to the user as the bulk error
        catch (Exception ex)
#pragma warning restore CA1031
        {
            bulkError = $"Could not count the matching runs: {ex.Message}";
            return null;
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
        var what = $"{Number(count)} selected run(s)";
        if (allMatching)
        {
            // The list's total may be a lower bound and may have changed since it was shown: count again, on a first
            // page, whose count is exact up to past the most runs one operation acts on.
            var now = await CountMatchingAsync();
            if (now is null)
            {
                return;
            }

            if (!now.TotalExact || now.Total > BulkRequest.MaxRuns)
            {
                await Dialogs.ShowMessageBoxAsync(
                    $"Too many runs to {verb}",
                    $"The filters match {(now.TotalExact ? "" : "at least ")}{Number(now.Total)} runs. A bulk operation acts on at most " +
                    $"{Number(BulkRequest.MaxRuns)} runs and refuses a filter that matches more, so it would {verb} none of them. " +
                    $"Narrow the filters (a shorter Created range, a status, a workflow) to at most {Number(BulkRequest.MaxRuns)} runs and select all matching again.",
                    yesText: "Narrow the filters");
                return;
            }

            count = now.Total;
            if (count == 0)
            {
                await Dialogs.ShowMessageBoxAsync($"No run to {verb}", "No run matches the filters any more.", yesText: "OK");
                ClearSelection();
                await LoadAsync();
                return;
            }

            what = $"all {Number(count)} run(s) matching the filters";
        }

        var confirmed = await Dialogs.ShowMessageBoxAsync(
            $"{action} {Number(count)} run(s)?",
            $"This will {verb} {what}. Runs it does not apply to are skipped; each run's audit records the bulk operation and you as its author." +
            (allMatching ? " Runs that start or stop matching the filters before you confirm change that number; the result lists every run acted on." : ""),
            yesText: $"{action} {Number(count)} run(s)",
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
