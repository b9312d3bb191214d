using Workflows.Kubernetes.Manifests;

namespace Workflows.Kubernetes.Tests.Manifests;

public class ManifestParserTests
{
    private const string MyApp = """
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

    [Fact]
    public void Parse_ReadsEveryDocument_OfTheIssuesManifest()
    {
        var objects = ManifestParser.Parse(MyApp);

        Assert.Equal(["Deployment", "Service"], objects.Select(o => o.Kind));
        Assert.Equal([1, 2], objects.Select(o => o.Document));
        Assert.Equal(21, objects[1].Line);
        Assert.Equal(3, objects[0].Body["spec"]!["replicas"]!.GetValue<long>());
        Assert.Equal("cirros:latest", objects[0].Body["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal("TCP", objects[1].Body["spec"]!["ports"]![0]!["protocol"]!.GetValue<string>());
    }

    [Fact]
    public void Parse_KeepsQuotedScalarsAsStrings_AndTypesPlainOnes()
    {
        var o = ManifestParser.Parse("""
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: c }
            data:
              quoted: "80"
              flag: "true"
            spec:
              number: 80
              yes: true
              nothing: ~
            """)[0];

        Assert.Equal("80", o.Body["data"]!["quoted"]!.GetValue<string>());
        Assert.Equal("true", o.Body["data"]!["flag"]!.GetValue<string>());
        Assert.Equal(80, o.Body["spec"]!["number"]!.GetValue<long>());
        Assert.True(o.Body["spec"]!["yes"]!.GetValue<bool>());
        Assert.Null(o.Body["spec"]!["nothing"]);
    }

    [Fact]
    public void Parse_SkipsEmptyDocuments_AndCountsThem()
    {
        var objects = ManifestParser.Parse("---\n# nothing here\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");

        var only = Assert.Single(objects);
        Assert.Equal("a", only.Name);
    }

    [Fact]
    public void Parse_NamesDocumentLineAndField_WhenTheNameIsMissing()
    {
        var ex = Assert.Throws<ManifestException>(() => ManifestParser.Parse(MyApp.Replace("  name: myapp\nspec:\n  selector", "  labels: {}\nspec:\n  selector", StringComparison.Ordinal)));

        Assert.Equal(2, ex.Document);
        Assert.Equal(23, ex.Line); // the line of "metadata:", which lacks the name
        Assert.Equal("metadata.name", ex.Field);
        Assert.Contains("manifest document 2, line 23", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NamesTheField_WhenTheKindIsMissing()
    {
        var ex = Assert.Throws<ManifestException>(() => ManifestParser.Parse("apiVersion: v1\nmetadata:\n  name: x\n"));

        Assert.Equal((1, "kind"), (ex.Document, ex.Field));
    }

    [Fact]
    public void Parse_RefusesAnInvalidName_NamingItsLineAndColumn()
    {
        var ex = Assert.Throws<ManifestException>(() => ManifestParser.Parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: My_App\n"));

        Assert.Equal((4, 9, "metadata.name"), (ex.Line, ex.Column, ex.Field));
        Assert.Contains("'My_App' is not a valid name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReportsAnUnclosedFlowMapping_AsAManifestError_InTheRightDocument()
    {
        // YamlDotNet's scanner throws InvalidOperationException (not YamlException) for this one.
        var text = MyApp + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: c\ndata:\n  a: b\n";

        var ex = Assert.Throws<ManifestException>(() => ManifestParser.Parse(text));

        Assert.Equal(3, ex.Document);
        Assert.Contains("not valid YAML", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReportsYamlSyntaxErrors_InTheRightDocument()
    {
        var text = MyApp + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: [1, 2\n";

        var ex = Assert.Throws<ManifestException>(() => ManifestParser.Parse(text));

        Assert.Equal(3, ex.Document);
        Assert.Contains("not valid YAML", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NamesThePath_OfAMappingWithAKeyThatIsNotAPlainValue()
    {
        var text = MyApp + "\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      env:\n        - ? { x: 1 }\n          : y\n";

        var ex = Assert.Throws<ManifestException>(() => ManifestParser.Parse(text));

        Assert.Equal(3, ex.Document);
        Assert.Equal("spec.containers[0].env[0]", ex.Field);
        Assert.Equal((MyApp.Split('\n').Length + 10, 13), (ex.Line, ex.Column)); // the key: { x: 1 }
        Assert.Contains("field spec.containers[0].env[0]: every key must be a plain value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReportsADuplicateKey_AsAManifestError_WithoutQuotingTheDocument()
    {
        var ex = Assert.Throws<ManifestException>(() => ManifestParser.Parse("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  token: c2VjcmV0\n  token: b3RoZXI=\n"));

        Assert.Equal(1, ex.Document);
        Assert.Contains("not valid YAML", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Where_PlacesAServerFieldError_OnTheLineOfTheField()
    {
        var deployment = ManifestParser.Parse(MyApp)[0];

        Assert.Equal("document 1, line 17, column 9, field spec.template.spec.containers[0].image", deployment.Where("spec.template.spec.containers[0].image"));
        // A field the manifest leaves to defaults is placed at its nearest written parent.
        Assert.Equal("document 1, line 16, column 9, field spec.template.spec.containers[0].imagePullPolicy", deployment.Where("spec.template.spec.containers[0].imagePullPolicy"));
    }
}
