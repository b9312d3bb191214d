using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Workflows.Web.Components.Shared;

namespace Workflows.Web.Components.Triggers;

/// <summary>One webhook delivery: when, what became of it, its headers (credentials masked by the server) and its payload, pretty-printed when it is JSON.</summary>
public partial class DeliveryView
{
    /// <summary>The most characters of payload shown; a bigger one is cut with a note.</summary>
    public const int MaxShown = 64 * 1024;

    private string shown = "";
    private bool truncated;

    /// <summary>Gets or sets the delivery to show.</summary>
    [Parameter, EditorRequired]
    public PortalDeliveryDetail Detail { get; set; } = default!;

    /// <summary>Gets or sets what happens when the user closes the view.</summary>
    [Parameter]
    public EventCallback Closed { get; set; }

    /// <summary>Returns the payload pretty-printed when it is JSON, as it came otherwise.</summary>
    public static string Pretty(string body)
    {
        try
        {
            return JsonNode.Parse(body) is { } node ? Formatting.Json(node) : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        var pretty = Detail.Body is null ? "" : Pretty(Detail.Body);
        truncated = pretty.Length > MaxShown;
        shown = truncated ? pretty[..MaxShown] + "\n…" : pretty;
    }

    private static string Bytes(int n) => n < 1024
        ? n.ToString(CultureInfo.InvariantCulture) + " B"
        : (n / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB";
}
