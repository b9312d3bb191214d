using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.Engine.Definitions;

/// <summary>What an action's input and output types say, as JSON sees them: their field names, and which inputs are required.</summary>
internal static class ActionShape
{
    /// <summary>The JSON names of a type's settable (or constructor-bound, or <c>[JsonInclude]</c>) properties.</summary>
    public static List<string> JsonNames(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite || p.GetCustomAttribute<JsonIncludeAttribute>() is not null || t.GetConstructors().Any(c => c.GetParameters().Any(a => string.Equals(a.Name, p.Name, StringComparison.OrdinalIgnoreCase))))
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .ToList();

    /// <summary>The JSON names of a type's <c>required</c> (or <c>[JsonRequired]</c>) properties.</summary>
    public static IEnumerable<string> RequiredInputs(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<RequiredMemberAttribute>() is not null || p.GetCustomAttribute<JsonRequiredAttribute>() is not null)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name));
}
