using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;

namespace Workflows.Server.Tests.Notifications;

/// <summary>
/// The real server in memory with every kind of notification channel pointed at real receivers on loopback: the test's
/// Kestrel receiver (signed webhook, Slack payload, a failing hook) and the SMTP server of <c>.ci/services/smtp.sh</c>
/// (STARTTLS with its certificate, AUTH with its password; and a channel with a wrong password).
/// </summary>
public sealed class NotificationFixture : IAsyncLifetime
{
    public const string SlackToken = "slack-token-4d1c9e";
    public const string WrongSmtpPassword = "wrong-password-8b2f7a";

    private readonly string folder = Directory.CreateTempSubdirectory("wf-notify-").FullName;

    public NotificationReceiver Receiver { get; private set; } = null!;

    public Factory Server { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public static string Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v
        ? v
        : throw new InvalidOperationException($"{name} is not set: start the SMTP server with .ci/services/smtp.sh (see README, Test suites).");

    public static string MailDirectory => Env("WORKFLOWS_TEST_SMTP_MAILDIR");

    public async Task InitializeAsync()
    {
        Receiver = await NotificationReceiver.StartAsync();
        var wf = Path.Combine(folder, "workflows");
        Directory.CreateDirectory(wf);
        File.WriteAllText(Path.Combine(wf, "notify-ok.yaml"), """
            name: notify-ok
            description: Succeeds; tells Slack and the mailbox besides the global hook
            notify:
              run.succeeded: [slack, mail]
            steps:
              - id: wait
                uses: core.delay
                with: { duration: 10ms }
            """);
        File.WriteAllText(Path.Combine(wf, "notify-fail.yaml"), $$"""
            name: notify-fail
            description: Fails at once; its own channels cannot deliver
            onFailure: hold
            notify:
              run.failed: [broken, mail-bad]
            steps:
              - id: call
                uses: core.http
                with: { url: "{{Receiver.BaseUrl}}not-there", timeout: 5s }
                retry: { attempts: 1 }
            """);
        File.WriteAllText(Path.Combine(wf, "notify-approval.yaml"), """
            name: notify-approval
            description: Asks for an approval that expires
            steps:
              - id: gate
                uses: core.approval
                with: { message: "Deploy to production?", expiresIn: 2s }
            """);
        File.WriteAllText(Path.Combine(wf, "other.yaml"), """
            name: other
            description: Matches no global rule
            steps:
              - id: wait
                uses: core.delay
                with: { duration: 10ms }
            """);
        Server = new Factory(wf, Receiver);
        Operator = Server.ClientWith(ServerFactory.OperatorToken);
        using var health = await Operator.GetAsync("/healthz");
        health.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        Operator.Dispose();
        await Server.DisposeAsync();
        await Receiver.DisposeAsync();
        try
        {
            Directory.Delete(folder, true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    /// <summary>Starts a run and returns its id.</summary>
    public async Task<string> StartAsync(string workflow)
    {
        using var r = await Operator.PostAsync($"/api/workflows/{workflow}/runs", new StringContent("""{"inputs":{}}""", Encoding.UTF8, "application/json"));
        Assert.True(r.IsSuccessStatusCode, $"{workflow}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        return (string)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["id"]!;
    }

    /// <summary>Gets a run's audit.</summary>
    public async Task<JsonArray> AuditAsync(string runId) => (await Operator.GetFromJsonAsync<JsonArray>($"/api/runs/{runId}/audit"))!;

    /// <summary>Waits until the run's audit holds <paramref name="count"/> events of <paramref name="kind"/> (or the limit passes); returns the audit.</summary>
    public async Task<JsonArray> WaitForAuditAsync(string runId, string kind, int count, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var audit = await AuditAsync(runId);
            if (audit.Count(a => (string?)a!["kind"] == kind) >= count || DateTime.UtcNow > deadline)
            {
                return audit;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Returns the e-mails in the SMTP server's folder that mention <paramref name="text"/>.</summary>
    public static IReadOnlyList<string> MailsMentioning(string text) =>
        Directory.GetFiles(MailDirectory, "*.eml").Select(File.ReadAllText).Where(m => m.Contains(text, StringComparison.Ordinal)).ToList();

    public sealed class Factory(string workflows, NotificationReceiver receiver) : ServerFactory
    {
        protected override string WorkflowsDirectory => workflows;

        protected override void ConfigureMore(IWebHostBuilder builder)
        {
            const string N = "Workflows:Notifications";
            var s = new Dictionary<string, string>
            {
                ["PublicBaseUrl"] = "https://workflows.example.test",
                ["MaxAttempts"] = "2",
                ["InitialDelay"] = "00:00:00.200",
                ["Timeout"] = "00:00:10",
                ["PollInterval"] = "00:00:00.200",
                ["Channels:hook:Type"] = "webhook",
                ["Channels:hook:Url"] = receiver.BaseUrl + "hook/ops",
                ["Channels:hook:Secret"] = receiver.Secret,
                ["Channels:slack:Type"] = "slack",
                ["Channels:slack:Url"] = receiver.BaseUrl + "slack/T000/B000/" + SlackToken,
                ["Channels:broken:Type"] = "webhook",
                ["Channels:broken:Url"] = receiver.BaseUrl + "fail",
                ["Channels:mail:Type"] = "email",
                ["Channels:mail:Host"] = Env("WORKFLOWS_TEST_SMTP_HOST"),
                ["Channels:mail:Port"] = Env("WORKFLOWS_TEST_SMTP_PORT"),
                ["Channels:mail:Security"] = "StartTls",
                ["Channels:mail:TrustedCertificate"] = Env("WORKFLOWS_TEST_SMTP_CERT"),
                ["Channels:mail:UserName"] = Env("WORKFLOWS_TEST_SMTP_USER"),
                ["Channels:mail:Password"] = Env("WORKFLOWS_TEST_SMTP_PASSWORD"),
                ["Channels:mail:From"] = "workflows@example.test",
                ["Channels:mail:To:0"] = "platform-team@example.test",
                ["Channels:mail-bad:Type"] = "email",
                ["Channels:mail-bad:Host"] = Env("WORKFLOWS_TEST_SMTP_HOST"),
                ["Channels:mail-bad:Port"] = Env("WORKFLOWS_TEST_SMTP_PORT"),
                ["Channels:mail-bad:Security"] = "None",
                ["Channels:mail-bad:UserName"] = Env("WORKFLOWS_TEST_SMTP_USER"),
                ["Channels:mail-bad:Password"] = WrongSmtpPassword,
                ["Channels:mail-bad:From"] = "workflows@example.test",
                ["Channels:mail-bad:To:0"] = "platform-team@example.test",
                ["Rules:0:Events:0"] = "run.succeeded",
                ["Rules:0:Events:1"] = "run.failed",
                ["Rules:0:Events:2"] = "approval.waiting",
                ["Rules:0:Events:3"] = "approval.expired",
                ["Rules:0:Workflows:0"] = "notify-*",
                ["Rules:0:Channel"] = "hook",
            };
            foreach (var (k, v) in s)
            {
                builder.UseSetting($"{N}:{k}", v);
            }
        }
    }
}
