using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Workflows.Engine.Execution;
using Workflows.Engine.Tests.Machine;

namespace Workflows.Engine.Tests.Execution;

/// <summary>A reservation of a free worker for a run's first step is given back exactly once, or handed to its execution.</summary>
public sealed class StepExecutionsTests
{
    [Fact]
    public void TryReserve_CountsABackgroundExecution_UntilTheReservationIsDisposed()
    {
        using var executions = Create(workers: 2);

        using var reservation = executions.TryReserve();

        Assert.NotNull(reservation);
        Assert.True(reservation.IsHeld);
        Assert.Equal(1, executions.Busy);
        Assert.Equal(1, executions.Background);
        reservation.Dispose();
        Assert.False(reservation.IsHeld);
        Assert.Equal(0, executions.Busy);
        Assert.Equal(0, executions.Background);
    }

    [Fact]
    public void Dispose_GivesTheWorkerBackOnce_WhenCalledTwice()
    {
        using var executions = Create(workers: 2);
        using var other = executions.TryReserve();
        var reservation = executions.TryReserve()!;

        reservation.Dispose();
        reservation.Dispose();

        Assert.Equal(1, executions.Busy); // the other reservation still counts
        Assert.Equal(1, executions.Background);
    }

    [Fact]
    public void TryReserve_ReturnsNull_WhenEveryWorkerIsReserved()
    {
        using var executions = Create(workers: 1);
        using var first = executions.TryReserve();

        Assert.Null(executions.TryReserve());
        first!.Dispose();
        using var again = executions.TryReserve();
        Assert.NotNull(again);
    }

    [Fact]
    public async Task Run_TakesTheReservationOver_AndGivesTheWorkerBackWhenTheStepEnds()
    {
        // No StepJob is registered: the background execution fails at once, as when the database goes away.
        using var executions = Create(workers: 1);
        var h = MachineHarness.Create("- { id: a, uses: test.record, with: { value: a } }");
        var reservation = executions.TryReserve()!;

        executions.Run(reservation, h.Tx, h.Def);
        Assert.False(reservation.IsHeld);
        reservation.Dispose(); // the caller's using: no longer its worker to give back

        await executions.StopAsync(CancellationToken.None); // waits for the background executions
        Assert.Equal(0, executions.Busy);
        Assert.Equal(0, executions.Background);
    }

    [Fact]
    public void Run_Refuses_AReservationAlreadyGivenBack()
    {
        using var executions = Create(workers: 2);
        var h = MachineHarness.Create("- { id: a, uses: test.record, with: { value: a } }");
        var reservation = executions.TryReserve()!;
        reservation.Dispose();

        Assert.Throws<InvalidOperationException>(() => executions.Run(reservation, h.Tx, h.Def));
        Assert.Equal(0, executions.Busy);
    }

    [Fact]
    public void Run_GivesBackAndRefuses_AReservationOfAnotherServer()
    {
        using var mine = Create(workers: 1);
        using var theirs = Create(workers: 1);
        var h = MachineHarness.Create("- { id: a, uses: test.record, with: { value: a } }");
        var reservation = theirs.TryReserve()!;

        Assert.Throws<InvalidOperationException>(() => mine.Run(reservation, h.Tx, h.Def));
        Assert.Equal(0, theirs.Busy);
        Assert.Equal(0, mine.Busy);
    }

    private static StepExecutions Create(int workers) =>
        new(
            new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
            Options.Create(new EngineOptions { Workers = workers }),
            NullLogger<StepExecutions>.Instance);
}
