using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;

namespace Workflows.Kubernetes.Manifests;

/// <summary>
/// Reads the manifest a step names: the inline <c>manifest</c> text (already evaluated by the engine), or a
/// <c>file</c> in the manifest folder whose <c>${{ values.x }}</c> placeholders are replaced from the <c>values</c> input.
/// </summary>
public sealed partial class ManifestSource(IOptions<KubernetesOptions> options)
{
    /// <summary>Returns the manifest's objects.</summary>
    /// <exception cref="StepFailedException">With code <c>inputs.invalid</c> or <c>kubernetes.manifest</c> (not retryable), naming the document, line and field.</exception>
    public async Task<IReadOnlyList<ManifestObject>> ReadAsync(ManifestInputs inputs, CancellationToken cancellationToken)
    {
        string text;
        string origin;
        if (!string.IsNullOrWhiteSpace(inputs.Manifest))
        {
            if (!string.IsNullOrWhiteSpace(inputs.File))
            {
                throw new StepFailedException("inputs.invalid", "manifest and file: give one, not both.", retryable: false);
            }

            text = inputs.Manifest;
            origin = "manifest";
        }
        else if (!string.IsNullOrWhiteSpace(inputs.File))
        {
            var folder = Path.GetFullPath(options.Value.ManifestDirectory ?? "workflows");
            var path = Path.GetFullPath(Path.Combine(folder, inputs.File));
            if (!path.StartsWith(folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new StepFailedException("inputs.invalid", $"file: '{inputs.File}' is outside the manifest folder {folder}.", retryable: false);
            }

            if (!System.IO.File.Exists(path))
            {
                throw new StepFailedException("inputs.invalid", $"file: '{inputs.File}' does not exist in {folder}.", retryable: false);
            }

            text = Substitute(await System.IO.File.ReadAllTextAsync(path, cancellationToken), inputs.Values, inputs.File);
            origin = $"file {inputs.File}";
        }
        else
        {
            throw new StepFailedException("inputs.invalid", "manifest or file: one is required.", retryable: false);
        }

        try
        {
            var objects = ManifestParser.Parse(text);
            return objects.Count > 0 ? objects : throw new StepFailedException("kubernetes.manifest", $"The {origin} holds no objects.", retryable: false);
        }
        catch (ManifestException ex)
        {
            throw new StepFailedException("kubernetes.manifest", $"{origin}: {ex.Message}", retryable: false, ex);
        }
    }

    /// <summary>Replaces <c>${{ values.name }}</c> in a manifest file; any other expression is an error naming its line.</summary>
    internal static string Substitute(string text, JsonObject? values, string file)
    {
        return ExpressionRegex().Replace(text, match =>
        {
            var line = text.AsSpan(0, match.Index).Count('\n') + 1;
            var expression = match.Groups[1].Value.Trim();
            var name = ValueRegex().Match(expression);
            if (!name.Success)
            {
                throw new StepFailedException("kubernetes.manifest", $"file {file}, line {line}: '${{{{ {expression} }}}}' — a manifest file may only use ${{{{ values.<name> }}}}; pass what it needs in the step's 'values'.", retryable: false);
            }

            var key = name.Groups[1].Value;
            if (values is null || !values.TryGetPropertyValue(key, out var value))
            {
                throw new StepFailedException("kubernetes.manifest", $"file {file}, line {line}: values.{key} is not given in the step's 'values'.", retryable: false);
            }

            return value switch
            {
                null => "null",
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                _ => value.ToJsonString(),
            };
        });
    }

    [GeneratedRegex(@"\$\{\{(.*?)\}\}", RegexOptions.Singleline)]
    private static partial Regex ExpressionRegex();

    [GeneratedRegex(@"^values\.([A-Za-z_][A-Za-z0-9_-]*)$")]
    private static partial Regex ValueRegex();
}
