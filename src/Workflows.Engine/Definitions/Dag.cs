using Workflows.Abstractions.Definitions;

namespace Workflows.Engine.Definitions;

/// <summary>Graph helpers over a definition's <c>needs</c>.</summary>
public static class Dag
{
    /// <summary>Returns the ids of one cycle, or null when the graph is acyclic.</summary>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyList<StepDefinition> steps)
    {
        var byId = steps.GroupBy(s => s.Id).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on stack, 2 = done
        var stack = new List<string>();

        List<string>? Visit(string id)
        {
            if (state.TryGetValue(id, out var s))
            {
                return s == 1 ? stack.Skip(stack.IndexOf(id)).ToList() : null;
            }

            state[id] = 1;
            stack.Add(id);
            foreach (var n in byId[id].Needs.Where(byId.ContainsKey))
            {
                if (Visit(n) is { } c)
                {
                    return c;
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[id] = 2;
            return null;
        }

        foreach (var s in steps)
        {
            if (Visit(s.Id) is { } cycle)
            {
                cycle.Reverse();
                return cycle;
            }
        }

        return null;
    }

    /// <summary>Returns every step the given step needs, directly or transitively.</summary>
    public static IReadOnlySet<string> Ancestors(IReadOnlyList<StepDefinition> steps, string id)
    {
        var byId = steps.GroupBy(s => s.Id).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var result = new HashSet<string>(StringComparer.Ordinal);
        var todo = new Stack<string>(byId.TryGetValue(id, out var s) ? s.Needs : []);
        while (todo.Count > 0)
        {
            var n = todo.Pop();
            if (result.Add(n) && byId.TryGetValue(n, out var ns))
            {
                foreach (var m in ns.Needs)
                {
                    todo.Push(m);
                }
            }
        }

        return result;
    }

    /// <summary>Returns the steps in an order where every step comes after the steps it needs (stable by file order).</summary>
    public static IReadOnlyList<StepDefinition> TopologicalOrder(IReadOnlyList<StepDefinition> steps)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<StepDefinition>();
        while (result.Count < steps.Count)
        {
            var next = steps.FirstOrDefault(s => !done.Contains(s.Id) && s.Needs.All(done.Contains))
                ?? throw new InvalidOperationException("The steps form a cycle.");
            done.Add(next.Id);
            result.Add(next);
        }

        return result;
    }
}
