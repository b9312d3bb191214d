using Microsoft.AspNetCore.Components;
using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Runs;

/// <summary>
/// Opens a run by a short id (<c>/runs/a62242a3</c>, the 8 characters shown everywhere): one match goes straight to
/// the run, several are offered as a choice, none says so. Full ids are served by <see cref="RunPage"/>.
/// </summary>
public sealed partial class RunLookupPage
{
    /// <summary>The fewest characters accepted as a short id.</summary>
    public const int MinPrefixLength = 4;

    private const int MaxChoices = 20;
    private IReadOnlyList<RunSummary>? matches;
    private string? error;

    /// <summary>Gets or sets the start of a run id.</summary>
    [Parameter]
    public string Prefix { get; set; } = "";

    [Inject]
    private IRunQueries Queries { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    /// <summary>Returns whether text can be the start of a run id: 4 to 36 hexadecimal digits and dashes.</summary>
    public static bool IsIdPrefix(string text) =>
        text.Length is >= MinPrefixLength and <= 36 && text.All(c => char.IsAsciiHexDigit(c) || c == '-');

    /// <inheritdoc />
    protected override async Task OnParametersSetAsync()
    {
        matches = null;
        error = null;
        if (!IsIdPrefix(Prefix))
        {
            error = $"'{Prefix}' is not a run id: use the run's id or its first {MinPrefixLength} or more characters, such as a62242a3.";
            return;
        }

        var found = await Queries.ListAsync(new RunFilter { IdPrefix = Prefix, PageSize = MaxChoices });
        if (found.Items.Count == 1)
        {
            Navigation.NavigateTo($"runs/{found.Items[0].Id}", replace: true);
            return;
        }

        matches = found.Items;
        if (found.Items.Count == 0)
        {
            error = $"There is no run whose id starts with {Prefix}.";
        }
    }
}
