using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Runs;

/// <summary>Which way a step graph's layers run.</summary>
public enum DagOrientation
{
    /// <summary>Layers are columns, left to right: short pipelines read like a timeline.</summary>
    LeftToRight,

    /// <summary>Layers are rows, top to bottom: long chains grow downwards, never sideways.</summary>
    TopToBottom,
}

/// <summary>Where one step sits: its layer, its slot in that layer and how many share the layer.</summary>
/// <param name="Step">The step.</param>
/// <param name="Layer">The layer (its depth: one more than its deepest need).</param>
/// <param name="Slot">Its position in the layer, from 0.</param>
/// <param name="LayerSize">How many steps the layer holds.</param>
public sealed record DagNode(StepView Step, int Layer, int Slot, int LayerSize);

/// <summary>An edge from a step to a step that needs it.</summary>
/// <param name="From">The needed step.</param>
/// <param name="To">The step that needs it.</param>
public sealed record DagEdge(DagNode From, DagNode To);

/// <summary>
/// A layered (Sugiyama-style) layout of a step graph: layers by depth, steps in a layer ordered by the mean position
/// of the steps they need (fewer crossings), and edges between them. Positions are relative (a share of the width),
/// so the graph always fits its container: a long chain turns to run top to bottom instead of scrolling sideways.
/// </summary>
public sealed class DagLayout
{
    /// <summary>The most layers laid out as columns; deeper graphs run top to bottom.</summary>
    public const int MaxColumns = 6;

    /// <summary>The height of a step card, in pixels.</summary>
    public const int NodeHeight = 108;

    private const int ColumnPitch = NodeHeight + 16;
    private const int RowPitch = NodeHeight + 40;

    private DagLayout(IReadOnlyList<DagNode> nodes, IReadOnlyList<DagEdge> edges, DagOrientation orientation, int layers, int maxLayerSize)
    {
        Nodes = nodes;
        Edges = edges;
        Orientation = orientation;
        Layers = layers;
        MaxLayerSize = maxLayerSize;
    }

    /// <summary>Gets the steps, layer by layer (a topological order).</summary>
    public IReadOnlyList<DagNode> Nodes { get; }

    /// <summary>Gets the edges.</summary>
    public IReadOnlyList<DagEdge> Edges { get; }

    /// <summary>Gets which way the layers run.</summary>
    public DagOrientation Orientation { get; }

    /// <summary>Gets the number of layers.</summary>
    public int Layers { get; }

    /// <summary>Gets the size of the largest layer.</summary>
    public int MaxLayerSize { get; }

    /// <summary>Gets the height of the drawing in pixels.</summary>
    public int Height => Nodes.Count == 0 ? 0
        : Orientation == DagOrientation.LeftToRight ? ((MaxLayerSize - 1) * ColumnPitch) + NodeHeight
        : ((Layers - 1) * RowPitch) + NodeHeight;

    /// <summary>Lays out steps (compensations excluded by the caller).</summary>
    public static DagLayout For(IReadOnlyList<StepView> steps)
    {
        var depths = RunTimeline.Depths(steps);
        var order = steps.Select((s, i) => (s, i)).ToDictionary(x => x.s.StepId, x => x.i, StringComparer.Ordinal);
        var layers = steps.GroupBy(s => depths[s.StepId]).OrderBy(g => g.Key).Select(g => g.ToList()).ToList();
        var position = new Dictionary<string, double>(StringComparer.Ordinal);
        var nodes = new List<DagNode>(steps.Count);
        for (var l = 0; l < layers.Count; l++)
        {
            var layer = layers[l]
                .OrderBy(s => s.Needs.Where(position.ContainsKey).Select(n => position[n]).DefaultIfEmpty(double.MaxValue).Average())
                .ThenBy(s => order[s.StepId])
                .ToList();
            for (var i = 0; i < layer.Count; i++)
            {
                position[layer[i].StepId] = (i + 0.5) / layer.Count;
                nodes.Add(new DagNode(layer[i], l, i, layer.Count));
            }
        }

        var byId = nodes.ToDictionary(n => n.Step.StepId, StringComparer.Ordinal);
        var edges = nodes.SelectMany(n => n.Step.Needs.Where(byId.ContainsKey).Select(need => new DagEdge(byId[need], n))).ToList();
        var orientation = layers.Count <= MaxColumns ? DagOrientation.LeftToRight : DagOrientation.TopToBottom;
        return new DagLayout(nodes, edges, orientation, layers.Count, layers.Count == 0 ? 0 : layers.Max(l => l.Count));
    }

    /// <summary>Returns the centre of a node: x as a share of the width (0–1), y in pixels.</summary>
    public (double X, double Y) Centre(DagNode n) => Orientation == DagOrientation.LeftToRight
        ? ((n.Layer + 0.5) / Layers, Top(n) + (NodeHeight / 2.0))
        : ((n.Slot + 0.5) / n.LayerSize, Top(n) + (NodeHeight / 2.0));

    /// <summary>Returns the top of a node in pixels.</summary>
    public double Top(DagNode n) => Orientation == DagOrientation.LeftToRight
        ? (n.Slot * ColumnPitch) + ((MaxLayerSize - n.LayerSize) * ColumnPitch / 2.0)
        : n.Layer * RowPitch;

    /// <summary>Returns how many nodes share the node's row of the drawing (its width is a share of this).</summary>
    public int Across(DagNode n) => Orientation == DagOrientation.LeftToRight ? Layers : n.LayerSize;

    /// <summary>Returns the SVG path of an edge in a 1000-unit-wide view box (y in pixels): a curve between the centres.</summary>
    public string Path(DagEdge e)
    {
        var (x1, y1) = Centre(e.From);
        var (x2, y2) = Centre(e.To);
        x1 *= 1000;
        x2 *= 1000;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (Orientation == DagOrientation.LeftToRight)
        {
            var xm = (x1 + x2) / 2;
            return string.Create(inv, $"M {x1:0.#} {y1:0.#} C {xm:0.#} {y1:0.#}, {xm:0.#} {y2:0.#}, {x2:0.#} {y2:0.#}");
        }

        var ym = (y1 + y2) / 2;
        return string.Create(inv, $"M {x1:0.#} {y1:0.#} C {x1:0.#} {ym:0.#}, {x2:0.#} {ym:0.#}, {x2:0.#} {y2:0.#}");
    }
}
