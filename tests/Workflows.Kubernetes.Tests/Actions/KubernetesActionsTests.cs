using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Kubernetes.Actions;
using Workflows.Kubernetes.Tests.Testing;
using Workflows.Testing;

namespace Workflows.Kubernetes.Tests.Actions;

/// <summary>The actions against the sandbox Kubernetes API server, driven poll by poll as the engine would.</summary>
public sealed class KubernetesActionsTests(KubernetesSandbox sandbox) : IClassFixture<KubernetesSandbox>
{
    private JsonObject Apply(string ns, string manifest, bool inline = false)
    {
        var with = new JsonObject { ["manifest"] = manifest, ["namespace"] = ns, ["createNamespace"] = true };
        if (inline)
        {
            with["kubeconfig"] = sandbox.KubeconfigText;
        }
        else
        {
            with["kubeconfigPath"] = sandbox.KubeconfigPath;
        }

        return with;
    }

    private JsonObject Access(string ns) => new() { ["kubeconfigPath"] = sandbox.KubeconfigPath, ["namespace"] = ns };

    private async Task<(TestStepContext Context, JsonElement Outputs)> ApplyAndRollOutAsync(string ns, string manifest, Guid? runId = null, string step = "deploy")
    {
        var apply = new TestStepContext(sandbox.Services, Apply(ns, manifest), step, runId);
        var applied = await ActionDriver.RunAsync<ApplyAction>(apply);
        var outputs = applied.Outputs;
        var rollout = new TestStepContext(sandbox.Services, new JsonObject { ["kubeconfigPath"] = sandbox.KubeconfigPath, ["namespace"] = ns, ["objects"] = JsonNode.Parse(outputs.GetProperty("objects").GetRawText()) }, "rollout", apply.RunId, recorder: apply.Recorder);
        var rolled = await ActionDriver.RunAsync<RolloutAction>(rollout);
        Assert.IsType<CompletedResult>(rolled.Result);
        return (apply, outputs);
    }

    private static string Image(JsonObject deployment) => deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();

    [Fact]
    public async Task ApplyThenRollout_Succeeds_WithEveryObjectInTheLedger()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var apply = new TestStepContext(sandbox.Services, Apply(ns, KubernetesSandbox.MyApp(), inline: true), "deploy");

        var applied = await ActionDriver.RunAsync<ApplyAction>(apply);

        var objects = applied.Outputs.GetProperty("objects").EnumerateArray().ToList();
        Assert.Equal(["Namespace", "Deployment", "Service"], objects.Select(o => o.GetProperty("kind").GetString()));
        Assert.All(objects, o => Assert.True(o.GetProperty("created").GetBoolean()));
        Assert.Equal(1, objects[1].GetProperty("generation").GetInt64());
        Assert.Equal(sandbox.Api.Host.Address, applied.Outputs.GetProperty("cluster").GetString());
        Assert.Equal(
            [("kubernetes.deployment.apps", $"{ns}/myapp"), ("kubernetes.namespace", ns), ("kubernetes.service", $"{ns}/myapp")],
            apply.Recorder.ResourceEntries.Select(e => (e.Kind, e.ExternalId)).Order());
        Assert.All(apply.Recorder.ResourceEntries, e => Assert.Equal("absent", e.Properties["previous"]));

        var rollout = new TestStepContext(sandbox.Services, new JsonObject { ["kubeconfigPath"] = sandbox.KubeconfigPath, ["namespace"] = ns, ["manifest"] = KubernetesSandbox.MyApp() }, "rollout", apply.RunId, recorder: apply.Recorder);
        var rolled = await ActionDriver.RunAsync<RolloutAction>(rollout);

        Assert.IsType<CompletedResult>(rolled.Result);
        Assert.Contains(apply.Recorder.Lines, l => l == $"deployment/myapp -n {ns}: deployment \"myapp\" successfully rolled out (3/3 updated, 3 available)");
        var live = (await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"))!;
        Assert.Equal(3, live["status"]!["availableReplicas"]!.GetValue<long>());
        Assert.Contains(apply.Recorder.Calls, c => c.Service == "kubernetes" && c.Method == "PATCH" && c.Endpoint == $"/apis/apps/v1/namespaces/{ns}/deployments/myapp?fieldManager=workflows&force=true" && c.Status is 200 or 201 && c.RequestId is not null);
    }

    [Fact]
    public async Task Undo_OfAnUpdate_RestoresThePreviousRevision_AndWaitsForItsRollout()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        await ApplyAndRollOutAsync(ns, KubernetesSandbox.MyApp(image: "cirros:0.6.1"));
        var (update, outputs) = await ApplyAndRollOutAsync(ns, KubernetesSandbox.MyApp(image: "cirros:0.6.2"));
        Assert.Equal("cirros:0.6.2", Image((await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"))!));
        Assert.False(outputs.GetProperty("objects")[1].GetProperty("created").GetBoolean());

        var undo = KubernetesSandbox.Compensation(sandbox.Services, update, Access(ns));
        var undone = await ActionDriver.RunAsync<UndoAction>(undo);

        var result = undone.Outputs;
        // The namespace existed already, so createNamespace neither applied it nor undoes it.
        Assert.Equal([$"service/myapp -n {ns}", $"deployment/myapp -n {ns}"], result.GetProperty("restored").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(result.GetProperty("deleted").EnumerateArray());
        var live = (await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"))!;
        Assert.Equal("cirros:0.6.1", Image(live));
        Assert.Equal(3, live["status"]!["updatedReplicas"]!.GetValue<long>());
        Assert.Equal(3, live["status"]!["availableReplicas"]!.GetValue<long>());
        Assert.Contains(update.Recorder.Lines, l => l.StartsWith($"deployment/myapp -n {ns}: restored to its previous state", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApplyRolloutAndUndo_OfAStatefulSetAndADaemonSet_FollowKubectlsRules()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        string Manifest(string tag) => $$"""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: db
            spec:
              serviceName: db
              replicas: 3
              selector: { matchLabels: { app: db } }
              template:
                metadata: { labels: { app: db } }
                spec: { containers: [ { name: db, image: "postgres:{{tag}}" } ] }
            ---
            apiVersion: apps/v1
            kind: DaemonSet
            metadata:
              name: agent
            spec:
              selector: { matchLabels: { app: agent } }
              template:
                metadata: { labels: { app: agent } }
                spec: { containers: [ { name: agent, image: "agent:{{tag}}" } ] }
            """;
        var (first, _) = await ApplyAndRollOutAsync(ns, Manifest("16"));
        Assert.Contains(first.Recorder.Lines, l => l == $"statefulset/db -n {ns}: partitioned roll out complete: 3 new pods have been updated... (3/3 updated, 3 ready)");
        Assert.Contains(first.Recorder.Lines, l => l == $"daemonset/agent -n {ns}: daemon set \"agent\" successfully rolled out (1/1 updated, 1 available)");

        var (update, _) = await ApplyAndRollOutAsync(ns, Manifest("17"));
        Assert.Equal(["postgres:17", "postgres:17", "postgres:17"], (await sandbox.ListAsync("v1", "Pod", ns, "app=db")).Select(p => p["spec"]!["containers"]![0]!["image"]!.GetValue<string>()));
        var undone = await ActionDriver.RunAsync<UndoAction>(KubernetesSandbox.Compensation(sandbox.Services, update, Access(ns)));

        Assert.Equal([$"daemonset/agent -n {ns}", $"statefulset/db -n {ns}"], undone.Outputs.GetProperty("restored").EnumerateArray().Select(e => e.GetString()));
        var sts = (await sandbox.GetAsync("apps/v1", "StatefulSet", ns, "db"))!;
        Assert.Equal("postgres:16", sts["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal(3, sts["status"]!["updatedReplicas"]!.GetValue<long>());
        Assert.Equal(3, sts["status"]!["readyReplicas"]!.GetValue<long>());
        Assert.Equal(["postgres:16", "postgres:16", "postgres:16"], (await sandbox.ListAsync("v1", "Pod", ns, "app=db")).Select(p => p["spec"]!["containers"]![0]!["image"]!.GetValue<string>()));
        Assert.Equal(["agent:16"], (await sandbox.ListAsync("v1", "Pod", ns, "app=agent")).Select(p => p["spec"]!["containers"]![0]!["image"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Undo_OfAFirstDeploy_DeletesWhatItCreated_AndWaitsUntilGone()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var (apply, _) = await ApplyAndRollOutAsync(ns, KubernetesSandbox.MyApp());

        var undone = await ActionDriver.RunAsync<UndoAction>(KubernetesSandbox.Compensation(sandbox.Services, apply, Access(ns)));

        Assert.Equal([$"service/myapp -n {ns}", $"deployment/myapp -n {ns}", $"namespace/{ns}"], undone.Outputs.GetProperty("deleted").EnumerateArray().Select(e => e.GetString()));
        Assert.Null(await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"));
        Assert.Null(await sandbox.GetAsync("v1", "Namespace", null, ns));
        Assert.All(apply.Recorder.ResourceEntries, e => Assert.NotNull(e.DeletedAt));
    }

    [Fact]
    public async Task Rollout_OfAFailingImage_FailsWithTheDeadline_AndThePodsReason()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var apply = new TestStepContext(sandbox.Services, Apply(ns, KubernetesSandbox.MyApp(image: "fail-app:1", replicas: 2, progressDeadlineSeconds: 2)), "deploy");
        var applied = await ActionDriver.RunAsync<ApplyAction>(apply);
        var rollout = new TestStepContext(sandbox.Services, new JsonObject { ["kubeconfigPath"] = sandbox.KubeconfigPath, ["namespace"] = ns, ["objects"] = JsonNode.Parse(applied.Outputs.GetProperty("objects").GetRawText()) }, "rollout", apply.RunId, recorder: apply.Recorder);

        var rolled = await ActionDriver.RunAsync<RolloutAction>(rollout);

        var failure = rolled.Failure;
        Assert.Equal("kubernetes.rollout_failed", failure.ErrorCode);
        Assert.False(failure.Retryable);
        Assert.Contains("deployment \"myapp\" exceeded its progress deadline", failure.Message, StringComparison.Ordinal);
        Assert.Contains("CrashLoopBackOff (container myapp, pods myapp-", failure.Message, StringComparison.Ordinal);
        Assert.Contains(apply.Recorder.Lines, l => l.Contains("CrashLoopBackOff (container myapp", StringComparison.Ordinal));
        // The crashing pods never become available, so the step was pending with the reason in its progress.
        Assert.Contains(rolled.Progress, p => p.StartsWith($"deployment/myapp -n {ns}: 2/2 updated, 0 available (CrashLoopBackOff", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_ExecutedTwiceAfterACrash_AdoptsWhatExists_NeverTwoDeployments()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var runId = Guid.NewGuid();
        var first = new TestStepContext(sandbox.Services, Apply(ns, KubernetesSandbox.MyApp()), "deploy", runId);
        await ActionDriver.RunAsync<ApplyAction>(first);

        // The engine lost the result: the same step runs again from scratch (no state), with the run's ledger.
        var second = new TestStepContext(sandbox.Services, Apply(ns, KubernetesSandbox.MyApp()), "deploy", runId, recorder: first.Recorder);
        var again = await ActionDriver.RunAsync<ApplyAction>(second);

        Assert.Single(await sandbox.ListAsync("apps/v1", "Deployment", ns));
        Assert.Single(await sandbox.ListAsync("v1", "Service", ns));
        Assert.Equal(3, first.Recorder.ResourceEntries.Count);
        Assert.Contains(first.Recorder.Lines, l => l == $"deployment/myapp -n {ns}: created by an earlier attempt of this step (undo deletes it)");

        // Its undo still knows the Deployment was a first deploy.
        var undone = await ActionDriver.RunAsync<UndoAction>(KubernetesSandbox.Compensation(sandbox.Services, second, Access(ns)));
        Assert.Contains($"deployment/myapp -n {ns}", undone.Outputs.GetProperty("deleted").EnumerateArray().Select(e => e.GetString()));
        Assert.Null(await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"));
        // The same Deployment object throughout: the second execution adopted it.
        Assert.Equal(again.Outputs.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("kind").GetString() == "Deployment").GetProperty("uid").GetString(), first.Recorder.ResourceEntries.Single(e => e.Kind == "kubernetes.deployment.apps").Properties["uid"]);
    }

    [Fact]
    public async Task Delete_WaitsUntilTheObjectsAreGone_AndAcceptsAbsentOnes()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var (apply, _) = await ApplyAndRollOutAsync(ns, KubernetesSandbox.MyApp());
        Assert.NotEmpty(await sandbox.ListAsync("v1", "Pod", ns, "app=myapp"));

        var delete = new TestStepContext(sandbox.Services, new JsonObject { ["kubeconfigPath"] = sandbox.KubeconfigPath, ["namespace"] = ns, ["manifest"] = KubernetesSandbox.MyApp(), ["propagationPolicy"] = "Foreground" }, "remove", apply.RunId, recorder: apply.Recorder);
        var deleted = await ActionDriver.RunAsync<DeleteAction>(delete);

        Assert.Equal([$"deployment/myapp -n {ns}", $"service/myapp -n {ns}"], deleted.Outputs.GetProperty("deleted").EnumerateArray().Select(e => e.GetString()));
        Assert.Null(await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"));
        Assert.Empty(await sandbox.ListAsync("v1", "Pod", ns, "app=myapp"));
        Assert.NotNull(apply.Recorder.ResourceEntries.Single(e => e.Kind == "kubernetes.deployment.apps").DeletedAt);

        var again = await ActionDriver.RunAsync<DeleteAction>(new TestStepContext(sandbox.Services, new JsonObject { ["kubeconfigPath"] = sandbox.KubeconfigPath, ["namespace"] = ns, ["manifest"] = KubernetesSandbox.MyApp() }, "remove-again", apply.RunId));
        Assert.Equal(2, again.Outputs.GetProperty("absent").GetArrayLength());
    }

    [Theory]
    [InlineData("apps/v1", true)] // an older version's row of this Deployment, recorded without the API group
    [InlineData("example.com/v1", false)] // a row of another group's kind named Deployment: not this object's
    public async Task Delete_MarksEveryLiveLedgerRowOfTheObject_WhicheverRunRecordedIt_WithOrWithoutTheApiGroup(string recordedApiVersion, bool marked)
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var (apply, _) = await ApplyAndRollOutAsync(ns, KubernetesSandbox.MyApp());
        var current = apply.Recorder.ResourceEntries.Single(e => e.Kind == "kubernetes.deployment.apps");
        var olderRun = Guid.NewGuid();
        apply.Recorder.AddEntry(current with
        {
            RunId = olderRun,
            Kind = "kubernetes.deployment",
            Properties = new Dictionary<string, string>(current.Properties) { ["apiVersion"] = recordedApiVersion },
        });

        // Another run deletes the manifest.
        var delete = new TestStepContext(sandbox.Services, new JsonObject { ["kubeconfigPath"] = sandbox.KubeconfigPath, ["namespace"] = ns, ["manifest"] = KubernetesSandbox.MyApp() }, "remove", Guid.NewGuid(), recorder: apply.Recorder);
        Assert.IsType<CompletedResult>((await ActionDriver.RunAsync<DeleteAction>(delete)).Result);

        var rows = apply.Recorder.ResourceEntries.Where(e => e.ExternalId == $"{ns}/myapp").ToDictionary(e => e.Kind, e => e.DeletedAt is not null);
        Assert.Equal(
            new Dictionary<string, bool> { ["kubernetes.deployment.apps"] = true, ["kubernetes.service"] = true, ["kubernetes.deployment"] = marked },
            rows);
        Assert.Equal(olderRun, apply.Recorder.ResourceEntries.Single(e => e.Kind == "kubernetes.deployment").RunId);
    }

    [Fact]
    public async Task Apply_PlacesTheApiServersFieldError_OnTheManifestsLine()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var manifest = KubernetesSandbox.MyApp().Replace("      labels:\n        app: myapp", "      labels:\n        app: other", StringComparison.Ordinal);

        var applied = await ActionDriver.RunAsync<ApplyAction>(new TestStepContext(sandbox.Services, Apply(ns, manifest), "deploy"));

        var failure = applied.Failure;
        Assert.Equal("kubernetes.invalid", failure.ErrorCode);
        Assert.False(failure.Retryable);
        Assert.Contains("document 1, line 12, column 7, field spec.template.metadata.labels: Invalid value", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_RefusesAnUnknownKind_NamingTheDocumentAndLine()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var manifest = KubernetesSandbox.MyApp() + "\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n";

        var applied = await ActionDriver.RunAsync<ApplyAction>(new TestStepContext(sandbox.Services, Apply(ns, manifest), "deploy"));

        Assert.Equal("kubernetes.manifest", applied.Failure.ErrorCode);
        Assert.Contains("document 3, line 34, column 1, field kind", applied.Failure.Message, StringComparison.Ordinal);
        Assert.Null(await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"));
    }

    [Fact]
    public async Task Apply_RetriedAsANewAttempt_KeepsTheStateFromBeforeTheFirstAttempt_SoUndoRestoresIt()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        await ApplyAndRollOutAsync(ns, KubernetesSandbox.MyApp(image: "cirros:0.6.1"));
        var runId = Guid.NewGuid();
        var first = new TestStepContext(sandbox.Services, Apply(ns, KubernetesSandbox.MyApp(image: "cirros:0.6.2")), "deploy", runId);
        await ActionDriver.RunAsync<ApplyAction>(first);
        Assert.Equal("cirros:0.6.2", Image((await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"))!));

        // The first attempt failed after its apply (say, a timeout): the retry starts with no state and applies again.
        var retry = new TestStepContext(sandbox.Services, Apply(ns, KubernetesSandbox.MyApp(image: "cirros:0.6.2")), "deploy", runId, recorder: first.Recorder);
        await ActionDriver.RunAsync<ApplyAction>(retry);
        var undone = await ActionDriver.RunAsync<UndoAction>(KubernetesSandbox.Compensation(sandbox.Services, retry, Access(ns)));

        Assert.Contains(first.Recorder.Lines, l => l == $"deployment/myapp -n {ns}: updated by an earlier attempt of this step; its state from before that attempt is recorded for undo");
        Assert.Equal([$"service/myapp -n {ns}", $"deployment/myapp -n {ns}"], undone.Outputs.GetProperty("restored").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(undone.Outputs.GetProperty("left").EnumerateArray());
        var live = (await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"))!;
        Assert.Equal("cirros:0.6.1", Image(live));
        Assert.Equal(3, live["status"]!["updatedReplicas"]!.GetValue<long>());
        Assert.Equal(3, live["status"]!["availableReplicas"]!.GetValue<long>());
        // Restored under our field manager, the annotation that carried the previous state went away with the rest.
        Assert.Null(live["metadata"]!["annotations"]?[ApplyAction.PreviousStateAnnotation]);
    }

    [Fact]
    public async Task Apply_RetriedAfterItCreatedAnObject_StillKnowsItWasAbsent()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var runId = Guid.NewGuid();
        var first = new TestStepContext(sandbox.Services, Apply(ns, KubernetesSandbox.MyApp()), "deploy", runId);
        await ActionDriver.RunAsync<ApplyAction>(first);

        // A retry with a ledger that lost the records (e.g. the attempt died between the apply and the ledger write).
        var retry = new TestStepContext(sandbox.Services, Apply(ns, KubernetesSandbox.MyApp()), "deploy", runId);
        await ActionDriver.RunAsync<ApplyAction>(retry);
        var undone = await ActionDriver.RunAsync<UndoAction>(KubernetesSandbox.Compensation(sandbox.Services, retry, Access(ns)));

        Assert.Equal([$"service/myapp -n {ns}", $"deployment/myapp -n {ns}", $"namespace/{ns}"], undone.Outputs.GetProperty("deleted").EnumerateArray().Select(e => e.GetString()));
        Assert.Null(await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"));
    }

    [Fact]
    public async Task Undo_RestoresASecretsPreviousData_EvenAfterARetry_WithoutItEverShowingUp()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        string SecretManifest(string password) => $"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {password}\n";
        await ActionDriver.RunAsync<ApplyAction>(new TestStepContext(sandbox.Services, Apply(ns, SecretManifest("first-Pa55word"), inline: true), "first"));
        var runId = Guid.NewGuid();
        var update = new TestStepContext(sandbox.Services, Apply(ns, SecretManifest("second-Pa55word"), inline: true), "second", runId);
        var applied = await ActionDriver.RunAsync<ApplyAction>(update);
        var onTheObject = (string?)(await sandbox.GetAsync("v1", "Secret", ns, "db"))!["metadata"]!["annotations"]![ApplyAction.PreviousStateAnnotation];
        var retry = new TestStepContext(sandbox.Services, Apply(ns, SecretManifest("second-Pa55word"), inline: true), "second", runId, recorder: update.Recorder);
        await ActionDriver.RunAsync<ApplyAction>(retry);

        var undone = await ActionDriver.RunAsync<UndoAction>(KubernetesSandbox.Compensation(sandbox.Services, retry, Apply(ns, string.Empty, inline: true)));

        Assert.Equal([$"secret/db -n {ns}"], undone.Outputs.GetProperty("restored").EnumerateArray().Select(e => e.GetString()));
        var live = (await sandbox.GetAsync("v1", "Secret", ns, "db"))!;
        Assert.Equal(Convert.ToBase64String("first-Pa55word"u8), (string?)live["data"]!["password"]);
        Assert.StartsWith("sealed:", onTheObject, StringComparison.Ordinal);
        var everything = string.Join("\n", [
            .. update.Recorder.Lines, .. update.Recorder.Calls.Select(c => c.ToString()), .. update.Recorder.Events.Select(e => e.Message),
            update.CurrentState?.GetRawText() ?? "", retry.CurrentState?.GetRawText() ?? "", applied.Outputs.GetRawText(), undone.Outputs.GetRawText(), onTheObject]);
        foreach (var secret in sandbox.SecretMaterial().Concat(["first-Pa55word", "second-Pa55word", Convert.ToBase64String("first-Pa55word"u8), Convert.ToBase64String("second-Pa55word"u8)]))
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Unreachable_Cluster_FailsRetryably_NamingTheServer_WithoutTheKey()
    {
        var kubeconfig = sandbox.KubeconfigText.Replace(sandbox.Api.Host.Address, "https://127.0.0.1:1", StringComparison.Ordinal);

        var applied = await ActionDriver.RunAsync<ApplyAction>(new TestStepContext(sandbox.Services, new JsonObject { ["manifest"] = KubernetesSandbox.MyApp(), ["kubeconfig"] = kubeconfig }, "deploy"));

        var failure = applied.Failure;
        Assert.Equal("kubernetes.unreachable", failure.ErrorCode);
        Assert.True(failure.Retryable);
        Assert.Contains("https://127.0.0.1:1 (sandbox)", failure.Message, StringComparison.Ordinal);
        Assert.All(sandbox.SecretMaterial(), s => Assert.DoesNotContain(s, failure.Message, StringComparison.Ordinal));
    }
}
