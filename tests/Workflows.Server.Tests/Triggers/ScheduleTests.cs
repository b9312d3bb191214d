using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;
using Workflows.Web.Components.Triggers;

namespace Workflows.Server.Tests.Triggers;

[Collection(TriggerHostsCollection.Name)]
public sealed class ScheduleTests
{
    private const string Nightly = """
        name: nightly
        description: Scheduled in tests
        inputs:
          who: { type: string, required: true }
        triggers:
          - schedule: { name: nightly-berlin, cron: "0 3 * * *", timezone: Europe/Berlin, overlap: allow, inputs: { who: "${{ schedule.name }}" } }
        steps:
          - id: wait
            uses: core.delay
            with: { duration: 10ms }
        """;

    private const string Held = """
        name: held
        description: A run that waits for an approval, so it stays running
        triggers:
          - schedule: { name: every-hour, cron: "0 * * * *", overlap: skip }
        steps:
          - id: gate
            uses: core.approval
            with: { message: hold }
        """;

    private const string EverySecond = """
        name: ticking
        description: A per-second schedule (Hangfire accepts six-field cron with seconds)
        triggers:
          - schedule: { name: tick, cron: "* * * * * *", overlap: allow }
        steps:
          - id: wait
            uses: core.delay
            with: { duration: 10ms }
        """;

    private const string WithToken = """
        name: tokened
        description: Takes a secret input, so a schedule has to keep one
        inputs:
          who: { type: string, required: true }
          token: { type: secret, required: true, pattern: "^tok-[0-9]+$", patternHint: "tok- and digits" }
        steps:
          - id: wait
            uses: core.delay
            with: { duration: 10ms }
        """;

    public static TheoryData<string> Providers => TriggerHost.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task RunNow_StartsARun_WhoseTriggerAndAuditNameTheSchedule(string provider)
    {
        await using var host = await TriggerHost.StartAsync(provider, new Dictionary<string, string> { ["nightly"] = Nightly });

        var response = await host.Api().PostAsync("/api/schedules/nightly/nightly-berlin/run", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var runId = Guid.Parse((string)(await TriggerHost.JsonAsync(response))["runId"]!);
        Assert.Equal($"/api/runs/{runId}", response.Headers.Location?.ToString());
        var run = await host.WaitForRunAsync(runId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(TriggerKind.Schedule, run.Trigger.Kind);
        Assert.Equal("nightly-berlin", run.Trigger.Actor);
        Assert.Contains("run now by token:test-admin", run.Trigger.Reference, StringComparison.Ordinal);
        Assert.Equal("nightly-berlin", (string?)(await host.Queries.GetAsync(runId))!.Inputs["who"]);
        var created = (await host.Queries.GetAuditAsync(runId)).First(a => a.Kind == "run.created");
        Assert.Equal("nightly-berlin", created.Actor);
        Assert.Contains("schedule nightly-berlin", created.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Start_RegistersARecurringJob_WithTheCronAndTimeZone_AndListShowsNextFires(string provider)
    {
        await using var host = await TriggerHost.StartAsync(provider, new Dictionary<string, string> { ["nightly"] = Nightly });

        var job = Assert.Single(host.Schedules.RecurringJobs());
        Assert.Equal("schedule:nightly:nightly-berlin", job.Id);
        Assert.Equal("0 3 * * *", job.Cron);
        Assert.Equal("Europe/Berlin", job.TimeZoneId);

        var list = JsonNode.Parse(await host.Api(TriggerHost.ViewerToken).GetStringAsync("/api/schedules"))!.AsArray();
        var s = Assert.Single(list)!;
        Assert.False((bool)s["paused"]!);
        var fires = s["nextFires"]!.AsArray().Select(f => DateTimeOffset.Parse((string)f!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, fires.Count);
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        Assert.All(fires, f => Assert.Equal(3, TimeZoneInfo.ConvertTime(f, berlin).Hour));
        Assert.Equal(fires.Order().ToList(), fires);
        Assert.True(fires[0] > DateTimeOffset.UtcNow);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Pause_RemovesTheRecurringJob_AndSkipsFires_UntilResumed(string provider)
    {
        await using var host = await TriggerHost.StartAsync(provider, new Dictionary<string, string> { ["nightly"] = Nightly });
        var api = host.Api();

        Assert.Equal(HttpStatusCode.Forbidden, (await host.Api(TriggerHost.ViewerToken).PostAsync("/api/schedules/nightly/nightly-berlin/pause", null)).StatusCode);
        var paused = await TriggerHost.JsonAsync(await api.PostAsync("/api/schedules/nightly/nightly-berlin/pause", null));
        Assert.True((bool)paused["paused"]!);
        Assert.Empty(paused["nextFires"]!.AsArray());
        Assert.Empty(host.Schedules.RecurringJobs());

        // A fire that was already on its way when the pause came is skipped.
        var fire = await host.Schedules.FireAsync("nightly", "nightly-berlin", DateTimeOffset.UtcNow, null, CancellationToken.None);
        Assert.Equal("skipped", fire.Outcome);
        Assert.Empty((await host.Queries.ListAsync(new RunFilter { Workflow = "nightly" })).Items);

        var resumed = await TriggerHost.JsonAsync(await api.PostAsync("/api/schedules/nightly/nightly-berlin/resume", null));
        Assert.False((bool)resumed["paused"]!);
        Assert.Single(host.Schedules.RecurringJobs());
        Assert.Equal("started", (await host.Schedules.FireAsync("nightly", "nightly-berlin", DateTimeOffset.UtcNow, null, CancellationToken.None)).Outcome);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task OverlapSkip_StartsNoSecondRun_WhileTheScheduledRunIsGoing(string provider)
    {
        await using var host = await TriggerHost.StartAsync(provider, new Dictionary<string, string> { ["held"] = Held });

        var first = await host.Schedules.FireAsync("held", "every-hour", DateTimeOffset.UtcNow, null, CancellationToken.None);
        Assert.Equal("started", first.Outcome);
        await host.WaitForStepAsync(first.RunId!.Value, "gate", StepStatus.Waiting);

        var second = await host.Api().PostAsync("/api/schedules/held/every-hour/run", null);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var body = await TriggerHost.JsonAsync(second);
        Assert.Equal("skipped", (string?)body["outcome"]);
        Assert.Contains(first.RunId.Value.ToString(), (string?)body["message"], StringComparison.Ordinal);
        Assert.Single((await host.Queries.ListAsync(new RunFilter { Workflow = "held" })).Items);

        await host.Commands.DecideAsync(first.RunId.Value, "gate", new ApprovalDecision(true, "test", null));
        await host.WaitForRunAsync(first.RunId.Value);
        Assert.Equal("started", (await host.Schedules.FireAsync("held", "every-hour", DateTimeOffset.UtcNow, null, CancellationToken.None)).Outcome);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task DeletingTheDefinition_RemovesItsRecurringJob_OnCatalogReload(string provider)
    {
        await using var host = await TriggerHost.StartAsync(provider, new Dictionary<string, string> { ["nightly"] = Nightly, ["held"] = Held });
        Assert.Equal(["schedule:held:every-hour", "schedule:nightly:nightly-berlin"], host.Schedules.RecurringJobs().Select(j => j.Id).Order());

        File.Delete(Path.Combine(host.WorkflowsDirectory, "nightly.yaml"));
        await File.WriteAllTextAsync(Path.Combine(host.WorkflowsDirectory, "held.yaml"), Held.Replace("0 * * * *", "30 4 * * *", StringComparison.Ordinal));
        await host.Catalog.ReloadAsync();
        await host.Schedules.ReconcileAsync(); // waits for the reconcile the reload started

        var job = Assert.Single(host.Schedules.RecurringJobs());
        Assert.Equal(("schedule:held:every-hour", "30 4 * * *"), (job.Id, job.Cron));
        Assert.Equal(HttpStatusCode.NotFound, (await host.Api().PostAsync("/api/schedules/nightly/nightly-berlin/run", null)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Hangfire_FiresASecondsCron_AndTheRunNamesTheScheduleAndFireTime(string provider)
    {
        await using var host = await TriggerHost.StartAsync(provider, new Dictionary<string, string> { ["ticking"] = EverySecond });

        var deadline = DateTime.UtcNow.AddSeconds(60);
        RunSummary? run = null;
        while (run is null && DateTime.UtcNow < deadline)
        {
            var items = (await host.Queries.ListAsync(new RunFilter { Workflow = "ticking" })).Items;
            run = items.Count > 0 ? items[0] : null;
            await Task.Delay(100);
        }

        await host.Api().PostAsync("/api/schedules/ticking/tick/pause", null);
        Assert.NotNull(run);
        Assert.Equal(TriggerKind.Schedule, run.Trigger.Kind);
        Assert.Equal("tick", run.Trigger.Actor);
        var fireTime = DateTimeOffset.Parse(run.Trigger.Reference!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, fireTime.Millisecond);
        Assert.True((run.CreatedAt - fireTime).Duration() < TimeSpan.FromSeconds(30));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ApiSchedules_AreCreatedValidatedEditedAndDeleted_AndSurviveCatalogReloads(string provider)
    {
        await using var host = await TriggerHost.StartAsync(provider, new Dictionary<string, string> { ["nightly"] = Nightly });
        var api = host.Api();

        var invalid = await api.PostAsJsonAsync("/api/schedules", new { workflow = "nightly", name = "Bad Name", cron = "61 * * * *", timeZone = "Mars/Olympus", overlap = "sometimes", inputs = new { nope = 1 } });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await TriggerHost.JsonAsync(invalid))["errors"]!.AsObject();
        Assert.Equal(["cron", "inputs.nope", "inputs.who", "name", "overlap", "timezone"], errors.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Api(TriggerHost.ViewerToken).PostAsJsonAsync("/api/schedules", new { workflow = "nightly", name = "x", cron = "0 1 * * *" })).StatusCode);

        var created = await api.PostAsJsonAsync("/api/schedules", new { workflow = "nightly", name = "hourly", cron = "0 * * * *", timeZone = "Europe/Berlin", overlap = "allow", inputs = new { who = "api" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/schedules/nightly/hourly", created.Headers.Location?.ToString());
        Assert.Equal("api", (string?)(await TriggerHost.JsonAsync(created))["origin"]);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsJsonAsync("/api/schedules", new { workflow = "nightly", name = "hourly", cron = "0 * * * *", inputs = new { who = "x" } })).StatusCode);
        Assert.Contains(host.Schedules.RecurringJobs(), j => j.Id == "schedule:nightly:hourly" && j.Cron == "0 * * * *");

        await host.Catalog.ReloadAsync();
        await host.Schedules.ReconcileAsync();
        Assert.Contains(host.Schedules.RecurringJobs(), j => j.Id == "schedule:nightly:hourly");

        var updated = await api.PutAsJsonAsync("/api/schedules/nightly/hourly", new { cron = "30 * * * *", overlap = "skip", inputs = new { who = "api2" } });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Contains(host.Schedules.RecurringJobs(), j => j.Id == "schedule:nightly:hourly" && j.Cron == "30 * * * *");
        Assert.Equal(HttpStatusCode.Conflict, (await api.PutAsJsonAsync("/api/schedules/nightly/nightly-berlin", new { cron = "0 1 * * *" })).StatusCode);

        var ran = await api.PostAsync("/api/schedules/nightly/hourly/run", null);
        Assert.Equal(HttpStatusCode.Accepted, ran.StatusCode);
        var run = await host.WaitForRunAsync(Guid.Parse((string)(await TriggerHost.JsonAsync(ran))["runId"]!));
        Assert.Equal(("hourly", "api2"), (run.Trigger.Actor, (string?)(await host.Queries.GetAsync(run.Id))!.Inputs["who"]));

        Assert.Equal(HttpStatusCode.Conflict, (await api.DeleteAsync("/api/schedules/nightly/nightly-berlin")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync("/api/schedules/nightly/hourly")).StatusCode);
        Assert.Equal(["schedule:nightly:nightly-berlin"], host.Schedules.RecurringJobs().Select(j => j.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync("/api/schedules/nightly/hourly")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ApiSchedules_SealSecretInputsAtRest_MaskThemInResponses_AndKeepThemWhenAnEditSendsTheMaskBack(string provider)
    {
        const string Secret = "tok-4711080815";
        await using var host = await TriggerHost.StartAsync(provider, new Dictionary<string, string> { ["tokened"] = WithToken });
        var api = host.Api();

        var created = await api.PostAsJsonAsync("/api/schedules", new { workflow = "tokened", name = "hourly", cron = "0 * * * *", inputs = new { who = "api", token = Secret } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("***", (string?)(await TriggerHost.JsonAsync(created))["inputs"]!["token"]);
        Assert.DoesNotContain(Secret, await api.GetStringAsync("/api/schedules"), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, await api.GetStringAsync("/api/schedules/tokened/hourly"), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, await StoredInputsAsync(host), StringComparison.Ordinal);
        Assert.Equal("***", (string?)(await host.Services.GetRequiredService<ITriggerPortal>().ListSchedulesAsync()).Single(x => x.Name == "hourly").Inputs["token"]);

        // GET, change the cron, PUT the masked value back: the stored token is kept (the fire passes its pattern, which "***" would not).
        var updated = await api.PutAsJsonAsync("/api/schedules/tokened/hourly", new { cron = "30 * * * *", inputs = new { who = "api2", token = "***" } });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var ran = await api.PostAsync("/api/schedules/tokened/hourly/run", null);
        Assert.Equal(HttpStatusCode.Accepted, ran.StatusCode);
        var run = await host.WaitForRunAsync(Guid.Parse((string)(await TriggerHost.JsonAsync(ran))["runId"]!));
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.DoesNotContain(Secret, await StoredInputsAsync(host), StringComparison.Ordinal);

        // The portal never shows or edits secrets: its edit (without the token) keeps the stored one too.
        var portal = host.Services.GetRequiredService<ITriggerPortal>();
        var saved = await portal.SaveScheduleAsync(new PortalScheduleEdit("tokened", "hourly", "15 * * * *", "UTC", "skip", new JsonObject { ["who"] = "portal" }), create: false, "admin");
        Assert.True(saved.Saved, saved.Message);
        var again = await portal.RunNowAsync("tokened", "hourly", "admin");
        Assert.Equal("started", again.Outcome);
        Assert.Equal(RunStatus.Succeeded, (await host.WaitForRunAsync(again.RunId!.Value)).Status);

        // A new value replaces it; a value that is neither is checked like any input (and not echoed).
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync("/api/schedules/tokened/hourly", new { cron = "30 * * * *", inputs = new { who = "api3", token = "tok-2" } })).StatusCode);
        var bad = await api.PutAsJsonAsync("/api/schedules/tokened/hourly", new { cron = "30 * * * *", inputs = new { who = "api3", token = "not-a-token" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await TriggerHost.JsonAsync(bad))["errors"]!.AsObject().ContainsKey("inputs.token"));
    }

    private static async Task<string> StoredInputsAsync(TriggerHost host)
    {
        await using var c = await host.Services.GetRequiredService<EngineDatabase>().OpenAsync(CancellationToken.None);
        return string.Join("\n", await Dapper.SqlMapper.QueryAsync<string>(c, "SELECT inputs FROM wf_api_schedules"));
    }
}
