using System.Text;
using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>
/// Discovery documents: <c>/version</c>, <c>/api</c>, <c>/apis</c> (legacy and aggregated v2), the group-version
/// resource lists, and OpenAPI: <c>/openapi/v3</c> (the index and a document per group version with the operations,
/// their <c>x-kubernetes-group-version-kind</c> and query parameters, which kubectl reads to decide on server-side field
/// validation) and <c>/openapi/v2</c> (protobuf, without definitions: kubectl then takes patch strategies from its
/// compiled-in types, which are those of the real API).
/// </summary>
internal static class KubeDiscovery
{
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static JsonObject Version(KubernetesSandboxOptions options)
    {
        var v = options.ServerVersion.TrimStart('v').Split('.');
        return new JsonObject
        {
            ["major"] = v[0],
            ["minor"] = v.Length > 1 ? v[1] : "0",
            ["emulationMajor"] = v[0],
            ["emulationMinor"] = v.Length > 1 ? v[1] : "0",
            ["gitVersion"] = options.ServerVersion,
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2024-12-11T00:00:00Z",
            ["goVersion"] = "go1.23.3",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(Group("apps")),
    };

    public static JsonObject Group(string name) => new()
    {
        ["kind"] = "APIGroup",
        ["apiVersion"] = "v1",
        ["name"] = name,
        ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = $"{name}/v1", ["version"] = "v1" }),
        ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{name}/v1", ["version"] = "v1" },
    };

    public static IEnumerable<string> Groups => KubeResourceType.All.Select(t => t.Group).Where(g => g.Length > 0).Distinct();

    public static JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var t in KubeResourceType.All.Where(t => t.Group == group && t.Version == version))
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = Verbs(t),
            };
            if (t.ShortNames.Length > 0)
            {
                r["shortNames"] = new JsonArray(t.ShortNames.Select(s => (JsonNode)s).ToArray());
            }

            if (t.InCategoryAll)
            {
                r["categories"] = new JsonArray("all");
            }

            r["storageVersionHash"] = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(t.ApiVersion + t.Kind)))[..11];
            resources.Add(r);
            foreach (var sub in t.Subresources)
            {
                var s = new JsonObject { ["name"] = $"{t.Plural}/{sub}", ["singularName"] = string.Empty, ["namespaced"] = t.Namespaced };
                if (sub == "scale")
                {
                    s["group"] = "autoscaling";
                    s["version"] = "v1";
                    s["kind"] = "Scale";
                    s["verbs"] = new JsonArray("get", "patch", "update");
                }
                else if (sub == "log")
                {
                    s["kind"] = "Pod";
                    s["verbs"] = new JsonArray("get");
                }
                else if (sub == "finalize")
                {
                    s["kind"] = t.Kind;
                    s["verbs"] = new JsonArray("update");
                }
                else
                {
                    s["kind"] = t.Kind;
                    s["verbs"] = new JsonArray("get", "patch", "update");
                }

                resources.Add(s);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonArray Verbs(KubeResourceType t) => new(AllVerbs.Select(v => (JsonNode)v).ToArray());

    /// <summary>The aggregated discovery document (apidiscovery.k8s.io/v2) for <c>/api</c> (core) or <c>/apis</c>.</summary>
    public static JsonObject Aggregated(bool core)
    {
        var items = new JsonArray();
        foreach (var group in core ? [string.Empty] : Groups)
        {
            var resources = new JsonArray();
            foreach (var t in KubeResourceType.All.Where(t => t.Group == group))
            {
                var r = new JsonObject
                {
                    ["resource"] = t.Plural,
                    ["responseKind"] = new JsonObject { ["group"] = t.Group, ["version"] = t.Version, ["kind"] = t.Kind },
                    ["scope"] = t.Namespaced ? "Namespaced" : "Cluster",
                    ["singularResource"] = t.Singular,
                    ["verbs"] = Verbs(t),
                };
                if (t.ShortNames.Length > 0)
                {
                    r["shortNames"] = new JsonArray(t.ShortNames.Select(s => (JsonNode)s).ToArray());
                }

                if (t.InCategoryAll)
                {
                    r["categories"] = new JsonArray("all");
                }

                if (t.Subresources.Length > 0)
                {
                    r["subresources"] = new JsonArray(t.Subresources.Select(sub => (JsonNode)new JsonObject
                    {
                        ["subresource"] = sub,
                        ["responseKind"] = sub == "scale"
                            ? new JsonObject { ["group"] = "autoscaling", ["version"] = "v1", ["kind"] = "Scale" }
                            : new JsonObject { ["group"] = t.Group, ["version"] = t.Version, ["kind"] = t.Kind },
                        ["verbs"] = sub switch
                        {
                            "log" => new JsonArray("get"),
                            "finalize" => new JsonArray("update"),
                            _ => new JsonArray("get", "patch", "update"),
                        },
                    }).ToArray());
                }

                resources.Add(r);
            }

            items.Add(new JsonObject
            {
                ["metadata"] = group.Length == 0 ? new JsonObject { ["creationTimestamp"] = null } : new JsonObject { ["name"] = group, ["creationTimestamp"] = null },
                ["versions"] = new JsonArray(new JsonObject { ["version"] = "v1", ["resources"] = resources, ["freshness"] = "Current" }),
            });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    /// <summary>The OpenAPI v3 index: one entry per group version.</summary>
    public static JsonObject OpenApiV3Index()
    {
        var paths = new JsonObject();
        foreach (var gv in KubeResourceType.All.Select(t => t.Group.Length == 0 ? "api/v1" : $"apis/{t.Group}/{t.Version}").Distinct())
        {
            paths[gv] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{gv}?hash={Hash(gv)}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    private static string Hash(string gv) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("sandbox-openapi-1" + gv)));

    /// <summary>The OpenAPI v3 document of a group version (<c>api/v1</c>, <c>apis/apps/v1</c>), or null.</summary>
    public static JsonObject? OpenApiV3(string gv)
    {
        var types = KubeResourceType.All.Where(t => (t.Group.Length == 0 ? "api/v1" : $"apis/{t.Group}/{t.Version}") == gv).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        foreach (var t in types)
        {
            var prefix = "/" + gv + (t.Namespaced ? "/namespaces/{namespace}" : string.Empty);
            paths[$"{prefix}/{t.Plural}"] = new JsonObject
            {
                ["get"] = Operation(t, "list", $"list{t.Kind}", ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "timeoutSeconds", "watch", "allowWatchBookmarks", "sendInitialEvents"]),
                ["post"] = Operation(t, "post", $"create{t.Kind}", ["dryRun", "fieldManager", "fieldValidation"], body: ["application/json", "application/yaml"]),
                ["delete"] = Operation(t, "deletecollection", $"deleteCollection{t.Kind}", ["dryRun", "labelSelector", "fieldSelector", "propagationPolicy", "gracePeriodSeconds"]),
                ["parameters"] = Parameters(t.Namespaced ? ["namespace", "pretty"] : ["pretty"]),
            };
            paths[$"{prefix}/{t.Plural}/{{name}}"] = new JsonObject
            {
                ["get"] = Operation(t, "get", $"read{t.Kind}", []),
                ["put"] = Operation(t, "put", $"replace{t.Kind}", ["dryRun", "fieldManager", "fieldValidation"], body: ["application/json", "application/yaml"]),
                ["patch"] = Operation(t, "patch", $"patch{t.Kind}", ["dryRun", "fieldManager", "fieldValidation", "force"], body: ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"]),
                ["delete"] = Operation(t, "delete", $"delete{t.Kind}", ["dryRun", "gracePeriodSeconds", "propagationPolicy"]),
                ["parameters"] = Parameters(t.Namespaced ? ["name", "namespace", "pretty"] : ["name", "pretty"]),
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject Operation(KubeResourceType t, string action, string id, string[] query, string[]? body = null)
    {
        var op = new JsonObject
        {
            ["operationId"] = id,
            ["parameters"] = Parameters(query),
            ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = t.Group, ["version"] = t.Version, ["kind"] = t.Kind },
        };
        if (body is not null)
        {
            var content = new JsonObject();
            foreach (var b in body)
            {
                content[b] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } };
            }

            op["requestBody"] = new JsonObject { ["content"] = content, ["required"] = true };
        }

        return op;
    }

    private static JsonArray Parameters(string[] names) =>
        new(names.Select(n => (JsonNode)new JsonObject
        {
            ["name"] = n,
            ["in"] = n is "name" or "namespace" ? "path" : "query",
            ["required"] = n is "name" or "namespace",
            ["schema"] = new JsonObject { ["type"] = n is "limit" or "timeoutSeconds" or "gracePeriodSeconds" ? "integer" : n is "watch" or "allowWatchBookmarks" or "sendInitialEvents" or "force" ? "boolean" : "string", ["uniqueItems"] = true },
        }).ToArray());

    /// <summary>
    /// The OpenAPI v2 document as protobuf (gnostic <c>openapi_v2.Document</c>), which is the only form kubectl asks
    /// for: <c>swagger</c> (1), <c>info</c> (2: title 1, version 2) and empty <c>paths</c> (8).
    /// </summary>
    public static byte[] OpenApiV2Protobuf()
    {
        using var info = new MemoryStream();
        WriteString(info, 1, "Kubernetes");
        WriteString(info, 2, "v1.32.0");
        using var doc = new MemoryStream();
        WriteString(doc, 1, "2.0");
        WriteBytes(doc, 2, info.ToArray());
        WriteBytes(doc, 8, []);
        return doc.ToArray();
    }

    private static void WriteString(Stream s, int field, string value) => WriteBytes(s, field, Encoding.UTF8.GetBytes(value));

    private static void WriteBytes(Stream s, int field, byte[] value)
    {
        WriteVarint(s, (uint)((field << 3) | 2));
        WriteVarint(s, (uint)value.Length);
        s.Write(value);
    }

    private static void WriteVarint(Stream s, uint v)
    {
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }

        s.WriteByte((byte)v);
    }
}
