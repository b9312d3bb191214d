using System.Text.RegularExpressions;

namespace Workflows.Engine.Definitions;

/// <summary>The spellings of the names a definition gives: its own, its inputs' and requirements', its steps'.</summary>
internal static partial class DefinitionNames
{
    /// <summary>A workflow's name: lowercase letters, digits and '-', starting with a letter or digit.</summary>
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]*\z")]
    public static partial Regex Workflow();

    /// <summary>An input's or a requirement's name: letters, digits and '_', starting with a letter.</summary>
    [GeneratedRegex(@"\A[A-Za-z][A-Za-z0-9_]*\z")]
    public static partial Regex Identifier();

    /// <summary>A step's id: letters, digits, '_' and '-', starting with a letter.</summary>
    [GeneratedRegex(@"\A[A-Za-z][A-Za-z0-9_-]*\z")]
    public static partial Regex Step();
}
