using System.Globalization;
using System.Text;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;

namespace Workflows.Server.Apis;

/// <summary>Renders a workflow plan for a terminal, the way <c>terraform plan</c> reads.</summary>
public static class PlanText
{
    /// <summary>Returns the symbol of an action: <c>+</c> create, <c>~</c> update, <c>-</c> delete, <c>=</c> adopt, <c>?</c> unknown.</summary>
    public static string Symbol(PlanAction action) => action switch
    {
        PlanAction.Create => "+",
        PlanAction.Update => "~",
        PlanAction.Delete => "-",
        PlanAction.Adopt => "=",
        PlanAction.Unknown => "?",
        PlanAction.NotPlanned => "?",
        PlanAction.Skipped => " ",
        _ => " ",
    };

    /// <summary>Renders the plan.</summary>
    public static string Render(WorkflowPlan plan)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Plan of workflow {plan.Workflow} (version {plan.Version}) at {plan.PlannedAt:yyyy-MM-dd HH:mm:ss}Z\n");
        sb.Append("Symbols: + create, = adopt existing, ~ update in place, - destroy, ? unknown until it runs\n");
        foreach (var p in plan.Problems)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n{Problem(p)}\n");
        }

        foreach (var step in plan.Steps)
        {
            sb.Append('\n');
            var what = step.Plan.Action switch
            {
                PlanAction.NotPlanned => "not planned",
                PlanAction.Skipped => "skipped",
                PlanAction.NoChange => "nothing to change",
                _ => step.Plan.Action.ToString().ToLowerInvariant(),
            };
            sb.Append(CultureInfo.InvariantCulture, $"  # {step.Id} ({step.Uses}) {what}: {step.Plan.Summary}\n");
            if (step.Needs.Count > 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  #   after {string.Join(", ", step.Needs)}\n");
            }

            if (step.Condition is { } c && c != "true")
            {
                sb.Append(CultureInfo.InvariantCulture, $"  #   if: {c}\n");
            }

            foreach (var r in step.Plan.Resources)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  {Symbol(r.Action)} {r.Kind} \"{r.Name}\" {{\n");
                var width = r.Attributes.Keys.Concat(r.Changes.Select(x => x.Field)).Select(k => k.Length).DefaultIfEmpty(0).Max();
                foreach (var change in r.Changes)
                {
                    var line = (change.Before, change.After) switch
                    {
                        (null, { } after) => $"      + {change.Field.PadRight(width)} = {Quote(after)}",
                        ({ } before, null) => $"      - {change.Field.PadRight(width)} = {Quote(before)}",
                        _ => $"      ~ {change.Field.PadRight(width)} = {Quote(change.Before)} -> {Quote(change.After)}",
                    };
                    sb.Append(line).Append('\n');
                }

                foreach (var (k, v) in r.Attributes.Where(a => r.Changes.All(x => x.Field != a.Key)))
                {
                    sb.Append(CultureInfo.InvariantCulture, $"        {k.PadRight(width)} = {Quote(v)}\n");
                }

                sb.Append("    }\n");
            }

            foreach (var check in step.Plan.Checks)
            {
                var mark = check.Outcome switch
                {
                    PlanCheckOutcome.Passed => "ok",
                    PlanCheckOutcome.Warning => "!!",
                    PlanCheckOutcome.Failed => "XX",
                    _ => "..",
                };
                sb.Append(CultureInfo.InvariantCulture, $"    [{mark}] {check.Name}: {check.Detail}\n");
            }

            foreach (var p in step.Plan.Problems)
            {
                sb.Append(CultureInfo.InvariantCulture, $"    {Problem(p)}\n");
            }
        }

        var s = plan.Summary;
        sb.Append(CultureInfo.InvariantCulture, $"\nPlan: {s.Create} to create, {s.Adopt} to adopt, {s.Update} to change, {s.Delete} to destroy; {Count(s.Errors, "error")}");
        if (s.Warnings > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $", {Count(s.Warnings, "warning")}");
        }

        if (s.Unknown + s.NotPlanned > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $" ({s.Unknown} unknown, {s.NotPlanned} not planned)");
        }

        sb.Append(".\n");
        return sb.ToString();
    }

    private static string Problem(PlanProblem p) =>
        $"{(p.Severity == PlanSeverity.Error ? "Error" : "Warning")} on {p.Field}: {p.Message}";

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n.ToString(CultureInfo.InvariantCulture)} {what}s";

    private static string Quote(string? value) =>
        value is null ? "null" : value.StartsWith("(known ", StringComparison.Ordinal) || value == "(sensitive value)" ? value : $"\"{value}\"";
}
