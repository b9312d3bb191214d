using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Engine.Storage;

namespace Workflows.Server.Tests.Notifications;

/// <summary>Notifications from real runs to real receivers: a signed webhook, a Slack-compatible hook, SMTP with STARTTLS and AUTH.</summary>
public sealed class NotificationDeliveryTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static JsonNode Data(JsonNode? audit) => audit!["data"] is JsonValue v ? JsonNode.Parse(v.GetValue<string>())! : audit["data"]!;

    [Fact]
    public async Task A_succeeded_run_is_delivered_once_to_each_channel_with_one_delivery_id_per_channel()
    {
        var run = await fixture.StartAsync("notify-ok");
        var audit = await fixture.WaitForAuditAsync(run, "notification.delivered", 3, Limit);

        var delivered = audit.Where(a => (string?)a!["kind"] == "notification.delivered").Select(a => Data(a)).ToList();
        Assert.Equal(["hook", "mail", "slack"], delivered.Select(d => (string)d["channel"]!).Order());
        Assert.All(delivered, d => Assert.Equal("run.succeeded", (string?)d["event"]));
        Assert.Equal(3, delivered.Select(d => (string)d["deliveryId"]!).Distinct().Count());

        // The signed webhook: the receiver checked the signature; header and body carry the same delivery id.
        var hooks = fixture.Receiver.Accepted.Where(r => r.Path == "/hook/ops" && r.Body.Contains(run, StringComparison.Ordinal)).ToList();
        var hook = Assert.Single(hooks);
        Assert.True(hook.SignatureValid, hook.SignatureError);
        var body = JsonNode.Parse(hook.Body)!;
        Assert.Equal(hook.DeliveryId, (string?)body["deliveryId"]);
        Assert.Equal("run.succeeded", hook.Event);
        Assert.Equal("Succeeded", (string?)body["run"]!["status"]);
        Assert.Equal($"https://workflows.example.test/runs/{run}", (string?)body["run"]!["url"]);
        Assert.Equal(delivered.Single(d => (string?)d["channel"] == "hook")["deliveryId"]!.GetValue<string>(), hook.DeliveryId);

        // Slack: text and blocks, the delivery id in the header and the context block.
        var slack = Assert.Single(fixture.Receiver.Accepted, r => r.Path.StartsWith("/slack/", StringComparison.Ordinal) && r.Body.Contains(run, StringComparison.Ordinal));
        var payload = JsonNode.Parse(slack.Body)!;
        Assert.Contains("succeeded", (string)payload["text"]!, StringComparison.Ordinal);
        Assert.Equal("section", (string?)payload["blocks"]![0]!["type"]);
        Assert.Contains(slack.DeliveryId!, payload["blocks"]![1]!.ToJsonString(), StringComparison.Ordinal);

        // E-mail through STARTTLS and AUTH: the delivery id is the Message-ID.
        var mailId = delivered.Single(d => (string?)d["channel"] == "mail")["deliveryId"]!.GetValue<string>();
        var mail = Assert.Single(NotificationFixture.MailsMentioning(run));
        Assert.Contains($"Message-ID: <{mailId}@workflows>", mail, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"X-Workflows-Delivery: {mailId}", mail, StringComparison.Ordinal);
        Assert.Contains("Subject: [workflows] run.succeeded: notify-ok (succeeded)", mail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_approval_notifies_with_the_link_to_approve_then_its_expiry_then_the_failed_run()
    {
        var run = await fixture.StartAsync("notify-approval");
        var got = await fixture.Receiver.WaitForAsync(r => r.Count(x => x.Body.Contains(run, StringComparison.Ordinal)) >= 3, Limit);
        var mine = got.Where(x => x.Body.Contains(run, StringComparison.Ordinal)).ToList();
        // Deliveries run in parallel jobs: no order between them is promised, only that each arrives once.
        Assert.Equal(["approval.expired", "approval.waiting", "run.failed"], mine.Select(m => m.Event).Order());
        var waiting = JsonNode.Parse(mine.Single(m => m.Event == "approval.waiting").Body)!;
        Assert.Equal("gate", (string?)waiting["approval"]!["stepId"]);
        Assert.Equal("Deploy to production?", (string?)waiting["approval"]!["message"]);
        Assert.Equal($"https://workflows.example.test/runs/{run}", (string?)waiting["approval"]!["approveUrl"]);
        Assert.Equal($"https://workflows.example.test/api/runs/{run}/steps/gate/approve", (string?)waiting["approval"]!["apiApproveUrl"]);
        Assert.Contains("waits for approval", (string)waiting["summary"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_channel_that_keeps_failing_is_retried_then_given_up_and_every_attempt_is_in_the_audit_without_secrets()
    {
        var run = await fixture.StartAsync("notify-fail");
        var audit = await fixture.WaitForAuditAsync(run, "notification.gave-up", 2, Limit);

        foreach (var channel in new[] { "broken", "mail-bad" })
        {
            var attempts = audit.Where(a => ((string?)a!["kind"])!.StartsWith("notification.", StringComparison.Ordinal) && Data(a)["channel"]!.GetValue<string>() == channel).ToList();
            Assert.True(attempts.Count == 2, audit.ToJsonString());
            Assert.Equal(["notification.failed", "notification.gave-up"], attempts.Select(a => (string?)a!["kind"]));
            Assert.Equal([1, 2], attempts.Select(a => Data(a)["attempt"]!.GetValue<int>()));
        }

        Assert.Contains(audit, a => (string?)a!["kind"] == "notification.failed" && ((string)a["message"]!).Contains("503", StringComparison.Ordinal));
        Assert.Contains(audit, a => (string?)a!["kind"] == "notification.gave-up" && ((string)a["message"]!).Contains("authentication", StringComparison.OrdinalIgnoreCase));

        // The global hook still got the failure, once.
        Assert.Single(fixture.Receiver.Accepted, r => r.Path == "/hook/ops" && r.Body.Contains(run, StringComparison.Ordinal) && r.Event == "run.failed");

        // No secret of any channel in the audit or the server's log.
        var log = await File.ReadAllTextAsync(fixture.Server.LogFile);
        var text = audit.ToJsonString() + log;
        foreach (var secret in new[] { NotificationFixture.WrongSmtpPassword, NotificationFixture.Env("WORKFLOWS_TEST_SMTP_PASSWORD"), fixture.Receiver.Secret, NotificationFixture.SlackToken })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_workflow_no_rule_matches_sends_nothing()
    {
        var run = await fixture.StartAsync("other");
        var audit = await fixture.WaitForAuditAsync(run, "run.finished", 1, Limit);
        Assert.Contains(audit, a => (string?)a!["kind"] == "run.finished");

        // The outbox is written with the state change: once the run finished, its notifications (none) are all there.
        var store = fixture.Server.Services.GetRequiredService<RunStore>();
        Assert.Empty(await store.ListNotificationsAsync(run, CancellationToken.None));
        Assert.DoesNotContain(await fixture.AuditAsync(run), a => ((string?)a!["kind"])!.StartsWith("notification.", StringComparison.Ordinal));
    }
}
