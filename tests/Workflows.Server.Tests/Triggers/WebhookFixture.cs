using System.Collections.Concurrent;

namespace Workflows.Server.Tests.Triggers;

/// <summary>One server per database provider, shared by the webhook tests (each test uses its own delivery ids).</summary>
public sealed class WebhookFixture : IAsyncLifetime
{
    public const string GitHubSecret = "It's a Secret to Everybody";
    public const string GitLabSecret = "gitlab-token-5a1e";
    public const string GenericSecret = "generic-secret-77c2";
    public const string DefinitionSecret = "definition-secret-9f3b";

    public const string Workflow = """
        name: hooked
        description: Started by webhooks in tests
        inputs:
          repo: { type: string, required: true }
          ref: { type: string, required: true }
          tag: { type: string, default: latest, pattern: "^[a-z0-9.]+$" }
        triggers:
          - webhook:
              name: from-definition
              filter: "${{ event == 'push' }}"
              inputs: { repo: "${{ payload.repository.full_name }}", ref: "${{ payload.ref }}" }
        steps:
          - id: wait
            uses: core.delay
            with: { duration: 10ms }
        """;

    private readonly ConcurrentDictionary<string, Lazy<Task<TriggerHost>>> hosts = new();

    public Task<TriggerHost> HostAsync(string provider) =>
        hosts.GetOrAdd(provider, p => new Lazy<Task<TriggerHost>>(() => TriggerHost.StartAsync(p, new Dictionary<string, string> { ["hooked"] = Workflow }, Settings()))).Value;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var h in hosts.Values.Where(h => h.IsValueCreated))
        {
            await (await h.Value).DisposeAsync();
        }
    }

    private static Dictionary<string, string?> Settings()
    {
        var s = new Dictionary<string, string?>();
        void Hook(int i, string name, string provider, string secret, string? filter = null, int? permits = null, int? burst = null)
        {
            s[$"Webhooks:Hooks:{i}:Name"] = name;
            s[$"Webhooks:Hooks:{i}:Workflow"] = "hooked";
            s[$"Webhooks:Hooks:{i}:Secret"] = secret;
            s[$"Webhooks:Hooks:{i}:Provider"] = provider;
            s[$"Webhooks:Hooks:{i}:Filter"] = filter;
            s[$"Webhooks:Hooks:{i}:Inputs:repo"] = "${{ payload.repository.full_name }}";
            s[$"Webhooks:Hooks:{i}:Inputs:ref"] = "${{ payload.ref }}";
            s[$"Webhooks:Hooks:{i}:Inputs:tag"] = "${{ payload.tag }}";
            if (permits is not null)
            {
                s[$"Webhooks:Hooks:{i}:PermitsPerMinute"] = permits.ToString();
                s[$"Webhooks:Hooks:{i}:Burst"] = burst.ToString();
            }
        }

        Hook(0, "github-main", "github", GitHubSecret, "${{ payload.ref == 'refs/heads/main' }}");
        Hook(1, "gitlab", "gitlab", GitLabSecret);
        Hook(2, "generic", "generic", GenericSecret);
        Hook(3, "limited", "github", GitHubSecret, null, 1, 2);
        s["Webhooks:Secrets:from-definition"] = DefinitionSecret;
        return s;
    }
}
