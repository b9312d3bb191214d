using Workflows.Abstractions.Actions;
using Xunit.Sdk;

namespace Workflows.DevStack.Tests.Testing;

/// <summary>Assertions on step results that show the failure's message when the type or code is wrong.</summary>
public static class Results
{
    public static T Completed<T>(StepResult result)
        where T : class => result switch
        {
            CompletedResult { Outputs: T outputs } => outputs,
            FailedResult f => throw new XunitException($"Expected completion, got failure {f.ErrorCode}: {f.Message}"),
            _ => throw new XunitException($"Expected completion with {typeof(T).Name}, got {result}"),
        };

    public static FailedResult Failed(StepResult result, string code) => result switch
    {
        FailedResult f when f.ErrorCode == code => f,
        FailedResult f => throw new XunitException($"Expected failure {code}, got {f.ErrorCode}: {f.Message}"),
        _ => throw new XunitException($"Expected failure {code}, got {result}"),
    };

    public static PendingResult Pending(StepResult result) => result switch
    {
        PendingResult p => p,
        FailedResult f => throw new XunitException($"Expected pending, got failure {f.ErrorCode}: {f.Message}"),
        _ => throw new XunitException($"Expected pending, got {result}"),
    };
}
