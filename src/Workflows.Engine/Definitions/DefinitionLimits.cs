namespace Workflows.Engine.Definitions;

/// <summary>
/// The limits that keep one definition file from exhausting the server. A file beyond any of them is
/// reported as a definition error (with file, line and column) and never loaded.
/// </summary>
public static class DefinitionLimits
{
    /// <summary>The largest definition file, in bytes (1 MiB). Shipped workflows are a few KiB.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>The deepest nesting of YAML lists and mappings (64 levels).</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// The most YAML nodes a file may hold, counting each alias (<c>*name</c>) as the nodes it repeats
    /// (100,000): this is what stops an alias bomb ("billion laughs").
    /// </summary>
    public const int MaxNodes = 100_000;

    /// <summary>The most steps of one workflow (500).</summary>
    public const int MaxSteps = 500;

    /// <summary>The longest <c>pattern:</c> of an input, in characters (1,000).</summary>
    public const int MaxPatternLength = 1000;

    /// <summary>The longest error message; longer ones are cut (the value they quote is the long part).</summary>
    internal const int MaxMessageLength = 1000;
}
