using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Execution;

public sealed class SqliteApprovalScenarioTests(SqliteEngineFixture f) : ApprovalScenarioTests(f.Host), IClassFixture<SqliteEngineFixture>;

public sealed class PostgresApprovalScenarioTests(PostgresEngineFixture f) : ApprovalScenarioTests(f.Host), IClassFixture<PostgresEngineFixture>;

/// <summary>Approval policies as the engine enforces them, on both databases.</summary>
public abstract class ApprovalScenarioTests(EngineHost engine)
{
    private static ApprovalDecision Approve(string who, params string[] groups) =>
        new(true, who, $"ok from {who}") { Roles = ["viewer", "operator"], Groups = groups };

    [Fact]
    public async Task Decide_RefusesTheStarter_AndChangesNothing()
    {
        var run = await StartWaitingAsync("approval", actor: "sam");

        var e = await Assert.ThrowsAsync<ApprovalNotAllowedException>(() => engine.Commands.DecideAsync(run, "gate", Approve("sam")));

        Assert.Equal("You started this run; self-approval is not allowed.", e.Message);
        await AssertStillWaitingAsync(run);
        var refused = Assert.Single(await engine.Queries.GetAuditAsync(run), a => a.Kind == "approval.refused");
        Assert.Equal("sam", refused.Actor);
        Assert.Equal("gate", refused.StepId);
        Assert.Equal("sam may not approve step 'gate': You started this run; self-approval is not allowed.", refused.Message);
        await engine.Commands.CancelAsync(run, "tester");
    }

    [Fact]
    public async Task Decide_RefusesSomeoneWhoIsNoApprover_SayingWhoIs()
    {
        var run = await StartWaitingAsync("approval-policy");

        var e = await Assert.ThrowsAsync<ApprovalNotAllowedException>(() => engine.Commands.DecideAsync(run, "gate", Approve("bob", "developers")));

        Assert.Equal("Approvers are group platform-admins or user carol; bob is none of them.", e.Message);
        Assert.Contains("2 approvals from different people are needed", e.Policy, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ApprovalNotAllowedException>(() => engine.Commands.DecideAsync(run, "gate", new ApprovalDecision(false, "bob", "no") { Groups = ["developers"] }));
        await AssertStillWaitingAsync(run);
        Assert.Equal(
            ["approve", "reject"],
            (await engine.Queries.GetAuditAsync(run)).Where(a => a.Kind == "approval.refused" && a.Actor == "bob").Select(a => a.Message.Split(' ')[3]));
        await engine.Commands.CancelAsync(run, "tester");
    }

    [Fact]
    public async Task Decide_CollectsTwoApprovals_FromDifferentPeople_BeforeTheStepContinues()
    {
        var run = await StartWaitingAsync("approval-policy");

        await engine.Commands.DecideAsync(run, "gate", Approve("alice", "platform-admins"));
        await AssertStillWaitingAsync(run, approvals: 1);
        var again = await Assert.ThrowsAsync<ApprovalNotAllowedException>(() => engine.Commands.DecideAsync(run, "gate", Approve("alice", "platform-admins")));
        Assert.Equal("You have already approved; 2 approvals from different people are needed (1 so far).", again.Message);
        await engine.Commands.DecideAsync(run, "gate", Approve("carol"));
        var r = await engine.WaitFinishedAsync(run);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        Assert.Equal("alice, carol", r.Steps.Single(s => s.StepId == "after").Outputs!["value"]!.GetValue<string>());
        var approvals = (await engine.Queries.GetAuditAsync(run)).Where(a => a.Kind == "approval.approved").ToList();
        Assert.Equal(["alice", "carol"], approvals.Select(a => a.Actor));
        Assert.Equal("group platform-admins", approvals[0].Data!["via"]!.GetValue<string>());
        Assert.Equal("user carol", approvals[1].Data!["via"]!.GetValue<string>());
        Assert.Equal("ok from alice", approvals[0].Data!["comment"]!.GetValue<string>());
        Assert.Equal(["platform-admins"], approvals[0].Data!["groups"]!.AsArray().Select(g => g!.GetValue<string>()));
        Assert.Equal(2, approvals[1].Data!["received"]!.GetValue<int>());
    }

    [Fact]
    public async Task Decide_RejectsAtOnce_WhenAnApproverRejectsAfterAnApproval()
    {
        var run = await StartWaitingAsync("approval-policy");

        await engine.Commands.DecideAsync(run, "gate", Approve("alice", "platform-admins"));
        await engine.Commands.DecideAsync(run, "gate", new ApprovalDecision(false, "carol", "not on a Friday"));
        var r = await engine.WaitFinishedAsync(run);

        Assert.Equal(RunStatus.Failed, r.Run.Status);
        var gate = r.Steps.Single(s => s.StepId == "gate");
        Assert.Equal("approval.rejected", gate.ErrorCode);
        Assert.Contains("carol: not on a Friday", gate.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_CountsSimultaneousApprovals_OneAfterTheOther()
    {
        var run = await StartWaitingAsync("approval-policy");

        await Task.WhenAll(
            Task.Run(() => engine.Commands.DecideAsync(run, "gate", Approve("alice", "platform-admins"))),
            Task.Run(() => engine.Commands.DecideAsync(run, "gate", Approve("carol"))));
        var r = await engine.WaitFinishedAsync(run);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        var audit = await engine.Queries.GetAuditAsync(run);
        Assert.Equal([1, 2], audit.Where(a => a.Kind == "approval.approved").Select(a => a.Data!["received"]!.GetValue<int>()));
        Assert.Single(r.Steps.Single(s => s.StepId == "gate").Attempts);
    }

    [Fact]
    public async Task Expiry_ApprovesTheStep_WhenThePolicySaysApprove()
    {
        var run = await engine.StartRunAsync("approval-expiry");
        var r = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, r.Run.Status);
        Assert.Equal("expiry", r.Steps.Single(s => s.StepId == "after").Outputs!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task BulkApprove_RefusesPerRun_SayingWhy()
    {
        var mine = await StartWaitingAsync("approval", actor: "sam");
        var theirs = await StartWaitingAsync("approval", actor: "tina");

        var result = await ((IRunBulkCommands)engine.Commands).BulkAsync(new BulkRequest(BulkAction.Approve, "sam", [mine, theirs], null, "bulk ok") { Roles = ["viewer", "operator"] });

        Assert.Equal(BulkOutcome.Refused, result.Results[0].Result);
        Assert.Equal("You started this run; self-approval is not allowed.", result.Results[0].Reason);
        Assert.Equal(BulkOutcome.Ok, result.Results[1].Result);
        Assert.Equal(1, result.Refused);
        await AssertStillWaitingAsync(mine);
        Assert.Equal(RunStatus.Succeeded, (await engine.WaitFinishedAsync(theirs)).Run.Status);
        await engine.Commands.CancelAsync(mine, "tester");
    }

    [Fact]
    public async Task Queries_ReportAWaitingRun_AsWaitingForApproval_AndFilterByIt()
    {
        var run = await StartWaitingAsync("approval-policy");
        var other = await engine.StartRunAsync("approval-policy");

        Assert.Equal(RunStatus.WaitingForApproval, (await engine.Queries.GetAsync(run))!.Run.Status);
        var waiting = await engine.Queries.ListAsync(new RunFilter { Workflow = "approval-policy", Statuses = [RunStatus.WaitingForApproval], PageSize = 500 });
        Assert.Contains(waiting.Items, r => r.Id == run);
        Assert.All(waiting.Items, r => Assert.Equal(RunStatus.WaitingForApproval, r.Status));
        var running = await engine.Queries.ListAsync(new RunFilter { Workflow = "approval-policy", Statuses = [RunStatus.Running], PageSize = 500 });
        Assert.DoesNotContain(running.Items, r => r.Id == run);
        var both = await engine.Queries.ListAsync(new RunFilter { Workflow = "approval-policy", Statuses = [RunStatus.Running, RunStatus.WaitingForApproval], PageSize = 500 });
        Assert.Contains(both.Items, r => r.Id == run);

        await engine.Commands.CancelAsync(run, "tester");
        await engine.WaitFinishedAsync(run);
        Assert.Equal(RunStatus.Cancelled, (await engine.Queries.GetAsync(run))!.Run.Status);
        await engine.WaitAsync(other.Id, r => r.Run.Status == RunStatus.WaitingForApproval);
        await engine.Commands.CancelAsync(other.Id, "tester");
    }

    [Fact]
    public async Task Inbox_ListsThePendingRequest_WithWhetherTheCallerMayDecide()
    {
        var run = await StartWaitingAsync("approval-policy", actor: "alice");
        var inbox = engine.Services.GetRequiredService<IApprovalQueries>();
        await engine.Commands.DecideAsync(run, "gate", Approve("carol"));

        var forCarol = (await inbox.ListPendingAsync(new Approver("carol", ["operator"], []))).Single(p => p.RunId == run);
        var forAlice = (await inbox.ListPendingAsync(new Approver("alice", ["operator"], ["platform-admins"]))).Single(p => p.RunId == run);
        var forDan = (await inbox.ListPendingAsync(new Approver("dan", ["operator"], ["platform-admins"]))).Single(p => p.RunId == run);

        Assert.Equal(("approval-policy", "gate", "Deploy to production?", "alice"), (forDan.Workflow, forDan.StepId, forDan.Message, forDan.RequestedBy));
        Assert.Equal(2, forDan.Required);
        Assert.Equal(["carol"], forDan.ApprovedBy);
        Assert.True(forDan.ExpiresAt > forDan.Since);
        Assert.Equal("group platform-admins or user carol", forDan.Approvers);
        Assert.True(forDan.CanApprove);
        Assert.Null(forDan.WhyNot);
        Assert.False(forCarol.CanApprove);
        Assert.StartsWith("You have already approved", forCarol.WhyNot, StringComparison.Ordinal);
        Assert.True(forCarol.CanReject);
        Assert.Equal("You started this run; self-approval is not allowed.", forAlice.WhyNot);
        var one = await inbox.GetPendingAsync(run, "gate", new Approver("dan", ["operator"], ["platform-admins"]));
        Assert.Equal((forDan.Message, forDan.Since, forDan.CanApprove), (one!.Message, one.Since, one.CanApprove));

        await engine.Commands.CancelAsync(run, "tester");
        await engine.WaitFinishedAsync(run);
        Assert.DoesNotContain(await inbox.ListPendingAsync(Approver.Named("dan")), p => p.RunId == run);
    }

    [Fact]
    public async Task Inbox_MasksASecretInterpolatedIntoTheMessage_InStateInboxLogAndProgress()
    {
        const string Password = "Rotated-Pa55word-0815";
        var run = (await engine.StartRunAsync("approval-secret", new { password = Password })).Id;
        await engine.WaitAsync(run, r => r.Steps.Single(s => s.StepId == "gate").Status == StepStatus.Waiting);
        var inbox = engine.Services.GetRequiredService<IApprovalQueries>();

        var pending = (await inbox.ListPendingAsync(Approver.Named("dan"))).Single(p => p.RunId == run);
        var detail = await engine.Queries.GetAsync(run);
        var logs = string.Concat((await engine.Queries.GetLogsAsync(run)).Chunks.Select(l => l.Text));

        // A text that interpolates a secret is itself secret (the engine masks it whole).
        Assert.Equal("***", pending.Message);
        Assert.DoesNotContain(Password, detail!.Steps.Single(s => s.StepId == "gate").Progress ?? "", StringComparison.Ordinal);
        Assert.Contains("Approval requested: ***", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, logs, StringComparison.Ordinal);
        await engine.Commands.CancelAsync(run, "tester");
    }

    private async Task<Guid> StartWaitingAsync(string workflow, string actor = "tester")
    {
        var run = await engine.StartRunAsync(workflow, actor: actor);
        await engine.WaitAsync(run.Id, r => r.Steps.Single(s => s.StepId == "gate").Status == StepStatus.Waiting);
        return run.Id;
    }

    private async Task AssertStillWaitingAsync(Guid run, int approvals = 0)
    {
        var r = await engine.Queries.GetAsync(run);
        Assert.Equal(RunStatus.WaitingForApproval, r!.Run.Status);
        Assert.Equal(StepStatus.Waiting, r.Steps.Single(s => s.StepId == "gate").Status);
        var audit = await engine.Queries.GetAuditAsync(run);
        Assert.Equal(approvals, audit.Count(a => a.Kind == "approval.approved"));
        Assert.DoesNotContain(audit, a => a.Kind == "approval.rejected");
    }
}
