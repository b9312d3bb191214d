using YamlDotNet.RepresentationModel;

namespace Workflows.Abstractions.Yaml;

/// <summary>
/// A YAML document that cannot be read: either its text is not YAML (<see cref="IsSyntaxError"/>, the path is empty)
/// or a field has the wrong shape or value. The message is <see cref="YamlProblem.ToString"/>; it never quotes
/// more of the document than the reader's own message about a value does.
/// </summary>
public sealed class YamlReadException : Exception
{
    /// <summary>Creates the exception for a problem.</summary>
    public YamlReadException(YamlProblem problem, bool isSyntaxError = false)
        : base(problem.ToString())
    {
        Problem = problem;
        IsSyntaxError = isSyntaxError;
    }

    /// <summary>Gets the problem.</summary>
    public YamlProblem Problem { get; }

    /// <summary>Gets whether the text is not YAML at all (as opposed to YAML whose fields are wrong).</summary>
    public bool IsSyntaxError { get; }

    /// <summary>Gets the node the problem is about, when there is one (lets a caller that merged documents tell which file it came from).</summary>
    public YamlNode? Node { get; init; }
}
