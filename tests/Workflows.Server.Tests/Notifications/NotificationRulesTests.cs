using Microsoft.Extensions.Options;
using Workflows.Abstractions.Definitions;
using Workflows.Server.Notifications;
using Workflows.Server.Notifications.Channels;

namespace Workflows.Server.Tests.Notifications;

/// <summary>Rules, delivery ids, backoff, redaction and the settings check: fast facts.</summary>
public class NotificationRulesTests
{
    private static readonly NotificationOptions Options = new()
    {
        Channels = { ["ops"] = new() { Type = "webhook", Url = new Uri("https://hooks.example.test/ops") }, ["chat"] = new() { Type = "slack", Url = new Uri("https://chat.example.test/T/B/tok") } },
        Rules =
        {
            new() { Events = ["run.failed"], Workflows = ["install-*"], Channel = "ops" },
            new() { Events = [], Workflows = [], Channels = ["chat"] },
        },
    };

    [Fact]
    public void ChannelsFor_AddsTheDefinitionsChannels_AfterTheGlobalRules_EachOnce()
    {
        var def = new WorkflowDefinition { Name = "install-devstack", Version = "v", Notify = new Dictionary<string, IReadOnlyList<string>> { ["run.failed"] = ["ops", "mail"] } };

        Assert.Equal(["ops", "chat", "mail"], NotificationOutbox.ChannelsFor(Options, def, "install-devstack", "run.failed"));
    }

    [Fact]
    public void ChannelsFor_SkipsARule_WhoseWorkflowsOrEventsDoNotMatch()
    {
        Assert.Equal(["chat"], NotificationOutbox.ChannelsFor(Options, null, "boot-vm", "run.failed"));
        Assert.Equal(["chat"], NotificationOutbox.ChannelsFor(Options, null, "install-devstack", "run.succeeded"));
    }

    [Theory]
    [InlineData("install-*", "install-devstack", true)]
    [InlineData("install-*", "uninstall-devstack", false)]
    [InlineData("*-vm", "boot-vm", true)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "ac", false)]
    [InlineData("a*a", "a", false)]
    [InlineData("boot-vm", "boot-vm", true)]
    [InlineData("boot-vm", "boot-vms", false)]
    public void Matches_TreatsTheStarAsAnyText(string pattern, string name, bool matches) =>
        Assert.Equal(matches, NotificationOutbox.Matches(pattern, name));

    [Fact]
    public void DeliveryId_IsStablePerEventAndChannel_AndDiffersBetweenThem()
    {
        Assert.Equal(NotificationOutbox.DeliveryId("run-1|run.failed|3", "ops"), NotificationOutbox.DeliveryId("run-1|run.failed|3", "ops"));
        Assert.NotEqual(NotificationOutbox.DeliveryId("run-1|run.failed|3", "ops"), NotificationOutbox.DeliveryId("run-1|run.failed|3", "chat"));
        Assert.NotEqual(NotificationOutbox.DeliveryId("run-1|run.failed|3", "ops"), NotificationOutbox.DeliveryId("run-1|run.failed|7", "ops"));
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(3, 20)]
    [InlineData(7, 320)]
    [InlineData(8, 600)]
    [InlineData(40, 600)]
    public void Backoff_DoublesFromTheInitialDelay_UpToTheMaximum(int attempt, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), NotificationJob.Backoff(new NotificationOptions(), attempt));

    [Fact]
    public void Redact_RemovesTheSecretThePasswordAndTheUrlPath()
    {
        var channel = new NotificationChannelOptions { Url = new Uri("https://hooks.slack.test/services/T1/B2/s3cr3t-token"), Secret = "hmac-secret", Password = "smtp-pass" };

        var text = NotificationJob.Redact("posting https://hooks.slack.test/services/T1/B2/s3cr3t-token with hmac-secret and smtp-pass: /services/T1/B2/s3cr3t-token", channel);

        Assert.DoesNotContain("s3cr3t-token", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hmac-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("smtp-pass", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NamesEachBadSetting()
    {
        var o = new NotificationOptions
        {
            Channels =
            {
                ["hook"] = new() { Type = "webhook" },
                ["mail"] = new() { Type = "email", Security = "Maybe", From = "not an address", UserName = "u" },
                ["fax"] = new() { Type = "fax" },
            },
            Rules = { new() { Events = ["run.exploded"], Channel = "pager" } },
        };

        var result = new NotificationOptionsValidator().Validate(null, o);

        Assert.True(result.Failed);
        var all = string.Join('\n', result.Failures!);
        foreach (var expected in new[]
        {
            "Workflows:Notifications:Channels:hook:Url must be an absolute http or https address.",
            "Workflows:Notifications:Channels:mail:Host is required (the SMTP server).",
            "Workflows:Notifications:Channels:mail:Security must be one of StartTls, StartTlsWhenAvailable, SslOnConnect, None.",
            "Workflows:Notifications:Channels:mail:From must be an e-mail address.",
            "Workflows:Notifications:Channels:mail:To must list at least one e-mail address, and only addresses.",
            "Workflows:Notifications:Channels:mail:Password is required with UserName.",
            "Workflows:Notifications:Channels:fax:Type must be one of webhook, slack, email (was 'fax').",
            "Workflows:Notifications:Rules:0:Events: unknown event 'run.exploded'",
            "Workflows:Notifications:Rules:0:Channel: unknown channel 'pager'; configured channels: fax, hook, mail.",
        })
        {
            Assert.Contains(expected, all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_AcceptsTheDefaults() =>
        Assert.True(new NotificationOptionsValidator().Validate(null, new NotificationOptions()).Succeeded);

    [Fact]
    public void SlackPayload_HasTextAndBlocks_WithTheLinkToApprove()
    {
        var m = new NotificationMessage("ntf-1", NotificationEvents.ApprovalWaiting, DateTimeOffset.UnixEpoch, "Run r of w waits for approval <now> & then",
            new NotificationRun("r", "w", "v", "Running", "Api", "alice", null, null, "https://wf.test/runs/r"),
            new NotificationApproval("gate", "Go?", "https://wf.test/runs/r", null, null));

        var p = SlackSender.Render(m);

        Assert.Equal("Run r of w waits for approval &lt;now&gt; &amp; then", (string?)p["text"]);
        Assert.Contains("<https://wf.test/runs/r|Approve or reject>", p["blocks"]![0]!["text"]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("delivery ntf-1", p["blocks"]![1]!.ToJsonString(), StringComparison.Ordinal);
    }
}
