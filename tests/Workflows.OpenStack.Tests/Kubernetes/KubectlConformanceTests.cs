using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Workflows.OpenStack.Sandbox.Kubernetes;
using Xunit.Abstractions;

namespace Workflows.OpenStack.Tests.Kubernetes;

/// <summary>
/// The real kubectl (1.32) against a standalone sandbox Kubernetes API: if discovery, OpenAPI, patch formats, watch,
/// Status bodies or the simulated controllers drift from what kubectl relies on, these fail.
/// </summary>
public sealed class KubectlConformanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    public const string Manifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: myapp
        spec:
          replicas: 3
          selector:
            matchLabels:
              app: myapp
          template:
            metadata:
              labels:
                app: myapp
            spec:
              containers:
              - name: myapp
                image: cirros:latest
                ports:
                - containerPort: 80
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: myapp
        spec:
          selector:
            app: myapp
          ports:
          - protocol: TCP
            port: 80
            targetPort: 80

        """;

    private readonly string directory = Directory.CreateTempSubdirectory("wf-kubectl-").FullName;
    private StandaloneKubernetesApi api = null!;
    private Kubectl kubectl = null!;
    private string manifestPath = null!;

    public async Task InitializeAsync()
    {
        api = await KubernetesApiHost.StartStandaloneAsync(Path.Combine(directory, "cluster"), "conformance", new KubernetesSandboxOptions
        {
            PodReadyDelay = TimeSpan.FromMilliseconds(200),
            CrashLoopRestartInterval = TimeSpan.FromSeconds(1),
        });
        var home = Directory.CreateDirectory(Path.Combine(directory, "home")).FullName;
        kubectl = new Kubectl(api.KubeconfigPath, home);
        manifestPath = Path.Combine(directory, "myapp.yaml");
        await File.WriteAllTextAsync(manifestPath, Manifest);
    }

    public async Task DisposeAsync()
    {
        await api.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task TheReferenceManifest_AppliesRollsOutUpdatesUndoesAndDeletes_WithKubectl()
    {
        Assert.Equal("deployment.apps/myapp created\nservice/myapp created\n", await kubectl.RunAsync("apply", "-f", manifestPath));
        var rollout = await kubectl.TryAsync("rollout", "status", "deployment/myapp", "--timeout", "60s");
        Assert.True(rollout.ExitCode == 0, rollout.Output);
        Assert.Contains("deployment \"myapp\" successfully rolled out", rollout.Stdout, StringComparison.Ordinal);
        output.WriteLine($"3-replica rollout (apply returned → rollout status done): {rollout.Elapsed.TotalSeconds:F2} s");

        var yaml = await kubectl.RunAsync("get", "deploy,svc", "-o", "yaml");
        Assert.Contains("kind: Deployment", yaml, StringComparison.Ordinal);
        Assert.Contains("kind: Service", yaml, StringComparison.Ordinal);
        Assert.Contains("deployment.kubernetes.io/revision: \"1\"", yaml, StringComparison.Ordinal);
        Assert.Contains("reason: NewReplicaSetAvailable", yaml, StringComparison.Ordinal);
        Assert.Contains("readyReplicas: 3", yaml, StringComparison.Ordinal);
        Assert.Contains("clusterIP: 10.96.", yaml, StringComparison.Ordinal);

        var json = JsonDocument.Parse(await kubectl.RunAsync("get", "deployment", "myapp", "-o", "json")).RootElement;
        var status = json.GetProperty("status");
        Assert.Equal(json.GetProperty("metadata").GetProperty("generation").GetInt64(), status.GetProperty("observedGeneration").GetInt64());
        foreach (var field in new[] { "replicas", "updatedReplicas", "readyReplicas", "availableReplicas" })
        {
            Assert.Equal(3, status.GetProperty(field).GetInt32());
        }

        Assert.Equal("deployment.apps/myapp image updated\n", await kubectl.RunAsync("set", "image", "deployment/myapp", "myapp=cirros:v2"));
        var updated = await kubectl.TryAsync("rollout", "status", "deployment/myapp", "--timeout", "60s");
        Assert.True(updated.ExitCode == 0, updated.Output);
        Assert.Equal("cirros:v2", await kubectl.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
        var replicaSets = await kubectl.RunAsync("get", "rs", "-l", "app=myapp", "-o", "jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision}={.spec.replicas} {end}");
        Assert.Equal(["1=0", "2=3"], replicaSets.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order());
        Assert.All((await kubectl.RunAsync("get", "pods", "-l", "app=myapp", "-o", "jsonpath={range .items[*]}{.spec.containers[0].image} {end}")).Split(' ', StringSplitOptions.RemoveEmptyEntries), i => Assert.Equal("cirros:v2", i));

        Assert.Equal("deployment.apps/myapp rolled back\n", await kubectl.RunAsync("rollout", "undo", "deployment/myapp"));
        var undo = await kubectl.TryAsync("rollout", "status", "deployment/myapp", "--timeout", "60s");
        Assert.True(undo.ExitCode == 0, undo.Output);
        output.WriteLine($"undo (rollout undo returned → rollout status done): {undo.Elapsed.TotalSeconds:F2} s");
        Assert.Equal("cirros:latest 3", await kubectl.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}"));
        var history = await kubectl.RunAsync("rollout", "history", "deployment/myapp");
        Assert.Contains("2 ", history, StringComparison.Ordinal);
        Assert.Contains("3 ", history, StringComparison.Ordinal);

        var deleted = await kubectl.RunAsync("delete", "-f", manifestPath);
        Assert.Equal("deployment.apps \"myapp\" deleted\nservice \"myapp\" deleted\n", deleted);
        var gone = await kubectl.TryAsync("get", "deployment/myapp", "service/myapp");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("Error from server (NotFound): deployments.apps \"myapp\" not found", gone.Stderr, StringComparison.Ordinal);
        Assert.Contains("Error from server (NotFound): services \"myapp\" not found", gone.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await kubectl.RunAsync("get", "rs,pods", "-l", "app=myapp", "-o", "name"));
    }

    [Fact]
    public async Task AStatefulSetAndADaemonSet_ApplyAndRollOut_ThenRollAnUpdate_WithKubectl()
    {
        var path = Path.Combine(directory, "stateful.yaml");
        await File.WriteAllTextAsync(path, """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: db
            spec:
              serviceName: db
              replicas: 3
              selector:
                matchLabels:
                  app: db
              template:
                metadata:
                  labels:
                    app: db
                spec:
                  containers:
                  - name: db
                    image: postgres:16
            ---
            apiVersion: apps/v1
            kind: DaemonSet
            metadata:
              name: agent
            spec:
              selector:
                matchLabels:
                  app: agent
              template:
                metadata:
                  labels:
                    app: agent
                spec:
                  containers:
                  - name: agent
                    image: agent:1
            """);

        Assert.Equal("statefulset.apps/db created\ndaemonset.apps/agent created\n", await kubectl.RunAsync("apply", "-f", path));
        var sts = await kubectl.TryAsync("rollout", "status", "statefulset/db", "--timeout", "60s");
        Assert.True(sts.ExitCode == 0, sts.Output);
        // The API server defaults updateStrategy.rollingUpdate.partition to 0, so kubectl judges by the partition.
        Assert.Contains("partitioned roll out complete: 3 new pods have been updated...", sts.Stdout, StringComparison.Ordinal);
        var ds = await kubectl.TryAsync("rollout", "status", "daemonset/agent", "--timeout", "60s");
        Assert.True(ds.ExitCode == 0, ds.Output);
        Assert.Contains("daemon set \"agent\" successfully rolled out", ds.Stdout, StringComparison.Ordinal);
        // Ordinal pods, created in order.
        Assert.Equal("db-0 db-1 db-2", (await kubectl.RunAsync("get", "pods", "-l", "app=db", "-o", "jsonpath={range .items[*]}{.metadata.name} {end}")).Trim());
        Assert.Equal("3 3 3", await kubectl.RunAsync("get", "sts", "db", "-o", "jsonpath={.status.replicas} {.status.readyReplicas} {.status.updatedReplicas}"));
        Assert.Equal("1 1 1", await kubectl.RunAsync("get", "ds", "agent", "-o", "jsonpath={.status.desiredNumberScheduled} {.status.numberReady} {.status.updatedNumberScheduled}"));
        var table = await kubectl.RunAsync("get", "sts,ds");
        Assert.Contains("statefulset.apps/db   3/3", table, StringComparison.Ordinal);
        Assert.Matches(@"daemonset\.apps/agent\s+1\s+1\s+1\s+1\s+1\s+<none>", table);

        var before = await kubectl.RunAsync("get", "sts", "db", "-o", "jsonpath={.status.currentRevision}");
        Assert.Equal("statefulset.apps/db image updated\n", await kubectl.RunAsync("set", "image", "statefulset/db", "db=postgres:17"));
        var updated = await kubectl.TryAsync("rollout", "status", "statefulset/db", "--timeout", "60s");
        Assert.True(updated.ExitCode == 0, updated.Output);
        Assert.Contains("partitioned roll out complete: 3 new pods have been updated...", updated.Stdout, StringComparison.Ordinal);
        var after = await kubectl.RunAsync("get", "sts", "db", "-o", "jsonpath={.status.currentRevision} {.status.updateRevision}");
        Assert.NotEqual(before, after.Split(' ')[0]);
        Assert.Equal(after.Split(' ')[0], after.Split(' ')[1]);
        Assert.All((await kubectl.RunAsync("get", "pods", "-l", "app=db", "-o", "jsonpath={range .items[*]}{.spec.containers[0].image} {end}")).Split(' ', StringSplitOptions.RemoveEmptyEntries), i => Assert.Equal("postgres:17", i));

        Assert.Equal("daemonset.apps/agent image updated\n", await kubectl.RunAsync("set", "image", "daemonset/agent", "agent=agent:2"));
        var dsUpdated = await kubectl.TryAsync("rollout", "status", "daemonset/agent", "--timeout", "60s");
        Assert.True(dsUpdated.ExitCode == 0, dsUpdated.Output);
        Assert.Equal("agent:2", (await kubectl.RunAsync("get", "pods", "-l", "app=agent", "-o", "jsonpath={range .items[*]}{.spec.containers[0].image} {end}")).Trim());

        Assert.Equal("statefulset.apps \"db\" deleted\ndaemonset.apps \"agent\" deleted\n", await kubectl.RunAsync("delete", "-f", path));
    }

    [Fact]
    public async Task KubectlsGenerators_SendProtobuf_AndCreateWhatTheySay()
    {
        // kubectl create namespace|configmap|secret|deployment encode the object as application/vnd.kubernetes.protobuf.
        Assert.Equal("namespace/gen created\n", await kubectl.RunAsync("create", "namespace", "gen"));
        Assert.Equal("configmap/cfg created\n", await kubectl.RunAsync("create", "configmap", "cfg", "-n", "gen", "--from-literal=a=b", "--from-literal=c=d"));
        Assert.Equal("secret/db created\n", await kubectl.RunAsync("create", "secret", "generic", "db", "-n", "gen", "--from-literal=password=Pa55"));
        Assert.Equal("deployment.apps/web created\n", await kubectl.RunAsync("create", "deployment", "web", "-n", "gen", "--image=nginx:1.27", "--replicas=2", "--port=80", "--", "nginx", "-g", "daemon off;"));
        var rollout = await kubectl.TryAsync("rollout", "status", "deployment/web", "-n", "gen", "--timeout", "60s");
        Assert.True(rollout.ExitCode == 0, rollout.Output);

        Assert.Equal("Active", await kubectl.RunAsync("get", "namespace", "gen", "-o", "jsonpath={.status.phase}"));
        Assert.Equal("""{"a":"b","c":"d"}""", await kubectl.RunAsync("get", "configmap", "cfg", "-n", "gen", "-o", "jsonpath={.data}"));
        Assert.Equal(Convert.ToBase64String("Pa55"u8) + " Opaque", await kubectl.RunAsync("get", "secret", "db", "-n", "gen", "-o", "jsonpath={.data.password} {.type}"));
        var deployment = JsonDocument.Parse(await kubectl.RunAsync("get", "deployment", "web", "-n", "gen", "-o", "json")).RootElement;
        Assert.Equal(2, deployment.GetProperty("spec").GetProperty("replicas").GetInt32());
        Assert.Equal("web", deployment.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels").GetProperty("app").GetString());
        var container = deployment.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
        Assert.Equal("nginx", container.GetProperty("name").GetString());
        Assert.Equal("nginx:1.27", container.GetProperty("image").GetString());
        Assert.Equal(80, container.GetProperty("ports")[0].GetProperty("containerPort").GetInt32());
        Assert.Equal(["nginx", "-g", "daemon off;"], container.GetProperty("command").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(JsonValueKind.Null, deployment.GetProperty("spec").GetProperty("template").GetProperty("metadata").GetProperty("creationTimestamp").ValueKind);

        // A generator whose message the sandbox does not decode gets a 415 that says so, and nothing is created.
        var service = await kubectl.TryAsync("create", "service", "clusterip", "web", "-n", "gen", "--tcp=80:80");
        Assert.NotEqual(0, service.ExitCode);
        Assert.Contains("the sandbox decodes protobuf only for what kubectl's generators send; not kind Service", service.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, (await kubectl.TryAsync("get", "service", "web", "-n", "gen")).ExitCode);
    }

    [Fact]
    public async Task Apply_OfAnUnknownField_IsRefusedWithTheStrictDecodingError_OnCreateAndOnUpdate()
    {
        var typo = Path.Combine(directory, "typo.yaml");
        await File.WriteAllTextAsync(typo, Manifest.Replace("  replicas: 3", "  replicaz: 3", StringComparison.Ordinal).Replace("        image: cirros:latest", "        image: cirros:latest\n        imagePullPolicyy: Always", StringComparison.Ordinal));

        var created = await kubectl.TryAsync("apply", "-f", typo);

        Assert.NotEqual(0, created.ExitCode);
        Assert.Contains("Error from server (BadRequest): error when creating", created.Stderr, StringComparison.Ordinal);
        Assert.Contains("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.replicaz\", unknown field \"spec.template.spec.containers[0].imagePullPolicyy\"", created.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, (await kubectl.TryAsync("get", "deployment", "myapp")).ExitCode);
        // The Service of the same file had nothing wrong and was created.
        Assert.Contains("service/myapp created", created.Stdout, StringComparison.Ordinal);

        await kubectl.RunAsync("apply", "-f", manifestPath);
        var updated = await kubectl.TryAsync("apply", "-f", typo);
        Assert.NotEqual(0, updated.ExitCode);
        Assert.Contains("error when patching", updated.Stderr, StringComparison.Ordinal);
        Assert.Contains(": strict decoding error: unknown field ", updated.Stderr, StringComparison.Ordinal);
        Assert.Contains("unknown field \"spec.replicaz\"", updated.Stderr, StringComparison.Ordinal);
        Assert.Contains("unknown field \"spec.template.spec.containers[0].imagePullPolicyy\"", updated.Stderr, StringComparison.Ordinal);
        Assert.Equal("1", await kubectl.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.metadata.generation}"));

        // --validate=false (fieldValidation=Ignore) drops the unknown field, as the API server does.
        Assert.Equal("deployment.apps/myapp configured\nservice/myapp unchanged\n", await kubectl.RunAsync("apply", "--validate=false", "-f", typo));
        Assert.Equal(string.Empty, await kubectl.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.spec.replicaz}"));
    }

    [Fact]
    public async Task ApplyTwice_SaysUnchanged_AndDoesNotBumpTheGeneration()
    {
        await kubectl.RunAsync("apply", "-f", manifestPath);
        Assert.Equal("deployment.apps/myapp unchanged\nservice/myapp unchanged\n", await kubectl.RunAsync("apply", "-f", manifestPath));
        Assert.Equal("1", await kubectl.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.metadata.generation}"));
    }

    [Fact]
    public async Task ApplyServerSide_CreatesThenKeepsTheObject_AndReportsConflictsWithAnotherManager()
    {
        Assert.Equal("deployment.apps/myapp serverside-applied\nservice/myapp serverside-applied\n", await kubectl.RunAsync("apply", "--server-side", "-f", manifestPath));

        // The controllers write the Deployment's status while it rolls out; once it is rolled out, only a change bumps resourceVersion.
        var first = await kubectl.TryAsync("rollout", "status", "deployment/myapp", "--timeout", "60s");
        Assert.True(first.ExitCode == 0, first.Output);
        var rv = await kubectl.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.metadata.resourceVersion}");
        await kubectl.RunAsync("apply", "--server-side", "-f", manifestPath);
        Assert.Equal(rv, await kubectl.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.metadata.resourceVersion}"));
        var managers = await kubectl.RunAsync("get", "deployment", "myapp", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}:{.metadata.managedFields[*].operation}");
        Assert.Equal("kubectl:Apply", managers);

        await kubectl.RunAsync("scale", "deployment/myapp", "--replicas", "5");
        var conflict = await kubectl.TryAsync("apply", "--server-side", "-f", manifestPath);
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("Apply failed with 1 conflict: conflict with \"kubectl\"", conflict.Stderr, StringComparison.Ordinal);
        Assert.Contains(".spec.replicas", conflict.Stderr, StringComparison.Ordinal);

        await kubectl.RunAsync("apply", "--server-side", "--force-conflicts", "-f", manifestPath);
        Assert.Equal("3", await kubectl.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.spec.replicas}"));
        var rollout = await kubectl.TryAsync("rollout", "status", "deployment/myapp", "--timeout", "60s");
        Assert.True(rollout.ExitCode == 0, rollout.Output);
    }

    [Fact]
    public async Task RolloutStatus_FailsWithTheDeadlineMessage_WhenTheImageCrashLoops()
    {
        var path = Path.Combine(directory, "broken.yaml");
        await File.WriteAllTextAsync(path, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: broken
            spec:
              replicas: 2
              progressDeadlineSeconds: 1
              selector:
                matchLabels:
                  app: broken
              template:
                metadata:
                  labels:
                    app: broken
                spec:
                  containers:
                  - name: broken
                    image: fail-app:1.0
            """);
        await kubectl.RunAsync("apply", "-f", path);
        var rollout = await kubectl.TryAsync("rollout", "status", "deployment/broken", "--timeout", "60s");
        Assert.Equal(1, rollout.ExitCode);
        Assert.Contains("error: deployment \"broken\" exceeded its progress deadline", rollout.Stderr, StringComparison.Ordinal);

        var condition = await kubectl.RunAsync("get", "deployment", "broken", "-o", "jsonpath={.status.conditions[?(@.type==\"Progressing\")].reason}");
        Assert.Equal("ProgressDeadlineExceeded", condition);
        var waiting = await kubectl.RunAsync("get", "pods", "-l", "app=broken", "-o", "jsonpath={range .items[*]}{.status.containerStatuses[0].state.waiting.reason} {end}");
        Assert.Equal(["CrashLoopBackOff", "CrashLoopBackOff"], waiting.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var table = await kubectl.RunAsync("get", "pods", "-l", "app=broken");
        Assert.Contains("CrashLoopBackOff", table, StringComparison.Ordinal);
        Assert.Contains("0/1", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPods_WithALabelSelector_ListsOnlyThatApplicationsReadyPods()
    {
        await kubectl.RunAsync("apply", "-f", manifestPath);
        await ApplyAsync("""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: other
            spec:
              replicas: 2
              selector:
                matchLabels: {app: other}
              template:
                metadata:
                  labels: {app: other}
                spec:
                  containers:
                  - name: nginx
                    image: nginx:1.27
            """);
        await kubectl.RunAsync("rollout", "status", "deployment/myapp", "--timeout", "60s");
        await kubectl.RunAsync("rollout", "status", "deployment/other", "--timeout", "60s");

        var lines = (await kubectl.RunAsync("get", "pods", "-l", "app=myapp")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$", lines[0]);
        Assert.Equal(3, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.Matches(@"^myapp-[a-z0-9]+-[a-z0-9]{5}\s+1/1\s+Running\s+0\s+", l));
        Assert.Equal(2, (await kubectl.RunAsync("get", "pods", "-l", "app in (other)", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(5, (await kubectl.RunAsync("get", "pods", "-l", "app", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var byName = await kubectl.RunAsync("get", "deployments", "--field-selector", "metadata.name=other", "-o", "name");
        Assert.Equal("deployment.apps/other\n", byName);
    }

    [Fact]
    public async Task ApiErrors_AreTheApiServersStatusMessages_InKubectl()
    {
        var missing = await kubectl.TryAsync("get", "deployment", "nope");
        Assert.Equal("Error from server (NotFound): deployments.apps \"nope\" not found\n", missing.Stderr);

        var settings = await WriteAsync("settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: \"1\"\n");
        await kubectl.RunAsync("create", "-f", settings);
        var exists = await kubectl.TryAsync("create", "-f", settings);
        Assert.Equal($"Error from server (AlreadyExists): error when creating \"{settings}\": configmaps \"settings\" already exists\n", exists.Stderr);

        var bad = Path.Combine(directory, "bad.yaml");
        await File.WriteAllTextAsync(bad, Manifest.Replace("      labels:\n        app: myapp", "      labels:\n        app: other", StringComparison.Ordinal));
        var invalid = await kubectl.TryAsync("apply", "-f", bad);
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("The Deployment \"myapp\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`", invalid.Stderr, StringComparison.Ordinal);

        var badName = await kubectl.TryAsync("apply", "-f", await WriteAsync("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: Bad_Name\n"));
        Assert.Contains("The Namespace \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label", badName.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerDryRun_ValidatesButStoresNothing()
    {
        Assert.Equal("deployment.apps/myapp created (server dry run)\nservice/myapp created (server dry run)\n", await kubectl.RunAsync("apply", "--dry-run=server", "-f", manifestPath));
        Assert.Equal(string.Empty, await kubectl.RunAsync("get", "deployments,replicasets,pods", "-o", "name"));
        await kubectl.RunAsync("apply", "-f", manifestPath);
        await kubectl.RunAsync("set", "image", "deployment/myapp", "myapp=cirros:v9", "--dry-run=server");
        Assert.Equal("cirros:latest", await kubectl.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
    }

    [Fact]
    public async Task StrategicMergePatch_MergesContainersByNameAndPortsByContainerPort()
    {
        await kubectl.RunAsync("apply", "-f", manifestPath);
        await kubectl.RunAsync("patch", "deployment", "myapp", "--type", "strategic", "-p",
            """{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"},{"name":"myapp","env":[{"name":"MODE","value":"blue"}],"ports":[{"containerPort":8080}]}]}}}}""");
        var d = JsonDocument.Parse(await kubectl.RunAsync("get", "deployment", "myapp", "-o", "json")).RootElement;
        var containers = d.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers");
        Assert.Equal(["myapp", "sidecar"], containers.EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Order());
        var app = containers.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "myapp");
        Assert.Equal("cirros:latest", app.GetProperty("image").GetString());
        Assert.Equal([80, 8080], app.GetProperty("ports").EnumerateArray().Select(p => p.GetProperty("containerPort").GetInt32()).Order());
        Assert.Equal("blue", app.GetProperty("env")[0].GetProperty("value").GetString());

        await kubectl.RunAsync("patch", "deployment", "myapp", "--type", "merge", "-p", """{"spec":{"replicas":1}}""");
        await kubectl.RunAsync("patch", "deployment", "myapp", "--type", "json", "-p", """[{"op":"replace","path":"/spec/replicas","value":2}]""");
        Assert.Equal("2 4", await kubectl.RunAsync("get", "deployment", "myapp", "-o", "jsonpath={.spec.replicas} {.metadata.generation}"));
    }

    [Fact]
    public async Task DeleteForeground_RemovesPodsAndReplicaSetsBeforeTheDeployment_AndNamespacesTakeTheirContents()
    {
        await ApplyAsync("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n");
        await kubectl.RunAsync("apply", "-n", "team-a", "-f", manifestPath);
        await kubectl.RunAsync("rollout", "status", "-n", "team-a", "deployment/myapp", "--timeout", "60s");
        Assert.Equal("deployment.apps \"myapp\" deleted\n", await kubectl.RunAsync("delete", "-n", "team-a", "deployment", "myapp", "--cascade=foreground"));
        Assert.Equal(string.Empty, await kubectl.RunAsync("get", "-n", "team-a", "deployments,replicasets,pods", "-o", "name"));

        await kubectl.RunAsync("apply", "-n", "team-a", "-f", await WriteAsync("left.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: left-behind\ndata:\n  k: v\n"));
        Assert.Equal("namespace \"team-a\" deleted\n", await kubectl.RunAsync("delete", "namespace", "team-a"));
        var ns = await kubectl.TryAsync("get", "namespace", "team-a");
        Assert.Contains("namespaces \"team-a\" not found", ns.Stderr, StringComparison.Ordinal);
        var protectedNs = await kubectl.TryAsync("delete", "namespace", "default");
        Assert.Contains("namespaces \"default\" is forbidden: this namespace may not be deleted", protectedNs.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_WithoutAClientCertificateOfTheClusterCa_Get401Status()
    {
        using var noCert = Client(clientCertificate: null);
        using var anonymous = await noCert.GetAsync(new Uri(api.Host.Server, "/api/v1/namespaces"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var status = JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Status", status.GetProperty("kind").GetString());
        Assert.Equal("Unauthorized", status.GetProperty("reason").GetString());
        Assert.Equal(401, status.GetProperty("code").GetInt32());

        using var otherCa = KubernetesPki.CreateCa("someone-else");
        var (pem, key) = KubernetesPki.CreateClientCertificate(otherCa, "mallory");
        using var foreign = X509Certificate2.CreateFromPem(pem, key);
        using var foreignClient = Client(foreign);
        using var refused = await foreignClient.GetAsync(new Uri(api.Host.Server, "/api/v1/namespaces"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var mine = X509Certificate2.CreateFromPem(api.ClientCertificatePem, api.ClientKeyPem);
        using var client = Client(mine);
        using var ok = await client.GetAsync(new Uri(api.Host.Server, "/api/v1/namespaces"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  ? [a, b]\n  : c\n", "error decoding YAML: data: every key must be a plain value (line 6, column 5)")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: bad\n", "error decoding YAML: ")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: ConfigMap\n", "error decoding YAML: the body must hold exactly one document")]
    [InlineData("~\n", "error decoding YAML: the body is empty")]
    public async Task AYamlBodyThatCannotBeDecoded_Gets400Status_NamingWhatIsWrongAndWhere(string body, string message)
    {
        using var mine = X509Certificate2.CreateFromPem(api.ClientCertificatePem, api.ClientKeyPem);
        using var client = Client(mine);
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/yaml");

        using var response = await client.PostAsync(new Uri(api.Host.Server, "/api/v1/namespaces/default/configmaps"), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("Status", "BadRequest"), (status.GetProperty("kind").GetString(), status.GetProperty("reason").GetString()));
        Assert.StartsWith(message, status.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AYamlBody_IsReadByTheCoreSchema_QuotedValuesStayText()
    {
        using var mine = X509Certificate2.CreateFromPem(api.ClientCertificatePem, api.ClientKeyPem);
        using var client = Client(mine);
        using var content = new StringContent("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: core\n  labels: { n: '3' }\ndata:\n  a: \"1\"\n", System.Text.Encoding.UTF8, "application/yaml");

        using var response = await client.PostAsync(new Uri(api.Host.Server, "/api/v1/namespaces/default/configmaps"), content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("1 3", await kubectl.RunAsync("get", "configmap", "core", "-o", "jsonpath={.data.a} {.metadata.labels.n}"));
    }

    [Fact]
    public async Task Watch_StreamsChangesAfterAResourceVersion_AsJsonLines()
    {
        using var mine = X509Certificate2.CreateFromPem(api.ClientCertificatePem, api.ClientKeyPem);
        using var client = Client(mine);
        var list = JsonDocument.Parse(await client.GetStringAsync(new Uri(api.Host.Server, "/api/v1/namespaces/default/configmaps"))).RootElement;
        var rv = list.GetProperty("metadata").GetProperty("resourceVersion").GetString();
        await ApplyAsync("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\ndata:\n  a: \"1\"\n");
        await kubectl.RunAsync("patch", "configmap", "watched", "-p", """{"data":{"a":"2"}}""");
        await kubectl.RunAsync("delete", "configmap", "watched");

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Host.Server, $"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}&timeoutSeconds=30"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(string Type, string Data)>();
        for (var i = 0; i < 3; i++)
        {
            var line = JsonDocument.Parse((await reader.ReadLineAsync())!).RootElement;
            var obj = line.GetProperty("object");
            Assert.Equal("ConfigMap", obj.GetProperty("kind").GetString());
            events.Add((line.GetProperty("type").GetString()!, obj.GetProperty("data").GetProperty("a").GetString()!));
        }

        Assert.Equal([("ADDED", "1"), ("MODIFIED", "2"), ("DELETED", "2")], events);
    }

    [Fact]
    public async Task WatchWithALabelSelector_SeesAnObjectLeaveAndEnterTheSelection()
    {
        using var mine = X509Certificate2.CreateFromPem(api.ClientCertificatePem, api.ClientKeyPem);
        using var client = Client(mine);
        await ApplyAsync("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: labelled\n  labels:\n    team: blue\ndata:\n  a: \"1\"\n");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Host.Server, "/api/v1/namespaces/default/configmaps?watch=true&labelSelector=team%3Dblue&timeoutSeconds=30"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        async Task<string> NextAsync() => JsonDocument.Parse((await reader.ReadLineAsync())!).RootElement.GetProperty("type").GetString()!;

        Assert.Equal("ADDED", await NextAsync());
        await kubectl.RunAsync("label", "configmap", "labelled", "team=red", "--overwrite");
        Assert.Equal("DELETED", await NextAsync());
        await kubectl.RunAsync("label", "configmap", "labelled", "team=blue", "--overwrite");
        Assert.Equal("ADDED", await NextAsync());
        await kubectl.RunAsync("annotate", "configmap", "labelled", "note=x");
        Assert.Equal("MODIFIED", await NextAsync());
    }

    private async Task<string> WriteAsync(string name, string yaml)
    {
        var path = Path.Combine(directory, name);
        await File.WriteAllTextAsync(path, yaml);
        return path;
    }

    private async Task ApplyAsync(string yaml) => await kubectl.RunAsync("apply", "-f", await WriteAsync($"doc-{Guid.NewGuid():N}.yaml", yaml));

    private HttpClient Client(X509Certificate2? clientCertificate)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(api.Host.Ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return cert is not null && chain.Build(cert);
            },
        };
        if (clientCertificate is not null)
        {
            handler.ClientCertificates.Add(clientCertificate);
        }

        var client = new HttpClient(handler);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }
}
