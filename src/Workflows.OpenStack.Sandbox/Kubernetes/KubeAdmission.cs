using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>Defaulting and validation of the served kinds, with the API server's messages and field paths.</summary>
internal static partial class KubeAdmission
{
    private const string SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    private const string Dns1035Message = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035();

    /// <summary>Fills in what the API server defaults (strategy, replicas, protocols, image pull policy…).</summary>
    public static void Default(KubeResourceType type, JsonObject o)
    {
        if (type.HasPodTemplate)
        {
            var spec = KubeObject.Child(o, "spec");
            if (type != KubeResourceType.DaemonSets)
            {
                spec["replicas"] ??= 1;
            }

            spec["revisionHistoryLimit"] ??= 10;
            if (type == KubeResourceType.StatefulSets)
            {
                spec["podManagementPolicy"] ??= "OrderedReady";
                var strategy = KubeObject.Child(spec, "updateStrategy");
                strategy["type"] ??= "RollingUpdate";
                if (KubeObject.Str(strategy, "type") == "RollingUpdate")
                {
                    KubeObject.Child(strategy, "rollingUpdate")["partition"] ??= 0;
                }

                var retention = KubeObject.Child(spec, "persistentVolumeClaimRetentionPolicy");
                retention["whenDeleted"] ??= "Retain";
                retention["whenScaled"] ??= "Retain";
            }
            else if (type == KubeResourceType.DaemonSets)
            {
                var strategy = KubeObject.Child(spec, "updateStrategy");
                strategy["type"] ??= "RollingUpdate";
                if (KubeObject.Str(strategy, "type") == "RollingUpdate")
                {
                    var ru = KubeObject.Child(strategy, "rollingUpdate");
                    ru["maxSurge"] ??= 0;
                    ru["maxUnavailable"] ??= 1;
                }
            }
            else if (type == KubeResourceType.Deployments)
            {
                spec["progressDeadlineSeconds"] ??= 600;
                var strategy = KubeObject.Child(spec, "strategy");
                strategy["type"] ??= "RollingUpdate";
                if (KubeObject.Str(strategy, "type") == "RollingUpdate")
                {
                    var ru = KubeObject.Child(strategy, "rollingUpdate");
                    ru["maxSurge"] ??= "25%";
                    ru["maxUnavailable"] ??= "25%";
                }
            }
            else
            {
                spec.Remove("revisionHistoryLimit");
            }

            if (spec["template"] is JsonObject template)
            {
                KubeObject.Metadata(template)["creationTimestamp"] ??= null;
                DefaultPodSpec(KubeObject.Child(template, "spec"));
            }
        }
        else if (type == KubeResourceType.Pods)
        {
            DefaultPodSpec(KubeObject.Child(o, "spec"));
        }
        else if (type == KubeResourceType.Services)
        {
            var spec = KubeObject.Child(o, "spec");
            spec["type"] ??= "ClusterIP";
            spec["sessionAffinity"] ??= "None";
            if (KubeObject.Str(spec, "type") != "ExternalName")
            {
                spec["ipFamilies"] ??= new JsonArray("IPv4");
                spec["ipFamilyPolicy"] ??= "SingleStack";
                spec["internalTrafficPolicy"] ??= "Cluster";
            }

            foreach (var port in (spec["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                port["protocol"] ??= "TCP";
                port["targetPort"] ??= port["port"]?.DeepClone();
            }
        }
        else if (type == KubeResourceType.Secrets)
        {
            o["type"] ??= "Opaque";
            if (o["stringData"] is JsonObject stringData)
            {
                var data = KubeObject.Child(o, "data");
                foreach (var (k, v) in stringData)
                {
                    data[k] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(v?.GetValue<string>() ?? string.Empty));
                }

                o.Remove("stringData");
            }
        }
        else if (type == KubeResourceType.Namespaces)
        {
            KubeObject.Child(KubeObject.Metadata(o), "labels")["kubernetes.io/metadata.name"] = KubeObject.Name(o);
            KubeObject.Child(o, "spec")["finalizers"] ??= new JsonArray("kubernetes");
        }
    }

    private static void DefaultPodSpec(JsonObject spec)
    {
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["securityContext"] ??= new JsonObject();
        spec["schedulerName"] ??= "default-scheduler";
        foreach (var list in new[] { "containers", "initContainers" })
        {
            foreach (var c in (spec[list] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                c["terminationMessagePath"] ??= "/dev/termination-log";
                c["terminationMessagePolicy"] ??= "File";
                c["resources"] ??= new JsonObject();
                if (KubeObject.Str(c, "image") is { } image)
                {
                    var tagged = image.Contains('@', StringComparison.Ordinal) || (image.LastIndexOf(':') > image.LastIndexOf('/') && !image.EndsWith(":latest", StringComparison.Ordinal));
                    c["imagePullPolicy"] ??= tagged ? "IfNotPresent" : "Always";
                }

                foreach (var p in (c["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
                {
                    p["protocol"] ??= "TCP";
                }
            }
        }
    }

    /// <summary>Validates an object to be stored; <paramref name="old"/> is the stored one on update.</summary>
    public static void Validate(KubeResourceType type, JsonObject o, JsonObject? old)
    {
        var errors = new List<KubeFieldError>();
        var name = KubeObject.Name(o);
        if (name.Length == 0)
        {
            errors.Add(KubeFieldError.Required("metadata.name", "name or generateName is required"));
        }
        else if (type == KubeResourceType.Namespaces)
        {
            NameCheck(errors, name, Label(), LabelMessage, 63);
        }
        else if (type == KubeResourceType.Services)
        {
            NameCheck(errors, name, Dns1035(), Dns1035Message, 63);
        }
        else
        {
            NameCheck(errors, name, Subdomain(), SubdomainMessage, 253);
        }

        foreach (var (key, value) in KubeObject.Labels(o))
        {
            if (value.Length > 63 || (value.Length > 0 && !LabelValue().IsMatch(value)))
            {
                errors.Add(KubeFieldError.Invalid($"metadata.labels", Quote(value), "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
            }
        }

        if (type.HasPodTemplate)
        {
            var spec = KubeObject.Obj(o, "spec");
            if (KubeObject.Long(spec, "replicas") is { } r && r < 0)
            {
                errors.Add(KubeFieldError.Invalid("spec.replicas", r.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to 0"));
            }

            var selector = spec?["selector"] as JsonObject;
            if (selector is null)
            {
                errors.Add(KubeFieldError.Required("spec.selector"));
            }
            else if (selector.Count == 0 || (KubeObject.Obj(selector, "matchLabels") is not { Count: > 0 } && KubeObject.Arr(selector, "matchExpressions") is not { Count: > 0 }))
            {
                errors.Add(KubeFieldError.Invalid("spec.selector", GoSelector(selector), $"empty selector is invalid for {type.Singular}"));
            }

            var template = spec?["template"] as JsonObject;
            var templateLabels = KubeObject.Labels(template);
            if (template is null)
            {
                errors.Add(KubeFieldError.Required("spec.template"));
            }
            else
            {
                if (selector is { Count: > 0 } && !KubeSelectors.Matches(selector, templateLabels))
                {
                    errors.Add(KubeFieldError.Invalid("spec.template.metadata.labels", GoMap(templateLabels), "`selector` does not match template `labels`"));
                }

                ValidatePodSpec(errors, KubeObject.Obj(template, "spec"), "spec.template.spec", requireAlways: true);
            }

            if (type == KubeResourceType.Deployments)
            {
                var strategy = KubeObject.Obj(spec, "strategy");
                var kind = KubeObject.Str(strategy, "type");
                if (kind is not ("RollingUpdate" or "Recreate"))
                {
                    errors.Add(KubeFieldError.NotSupported("spec.strategy.type", Quote(kind ?? string.Empty), ["Recreate", "RollingUpdate"]));
                }
                else if (kind == "Recreate" && strategy?["rollingUpdate"] is not null)
                {
                    errors.Add(new KubeFieldError("FieldValueForbidden", "spec.strategy.rollingUpdate", "Forbidden: may not be specified when strategy `type` is 'Recreate'"));
                }
                else if (kind == "RollingUpdate")
                {
                    var ru = KubeObject.Obj(strategy, "rollingUpdate");
                    if (IsZero(ru?["maxSurge"]) && IsZero(ru?["maxUnavailable"]))
                    {
                        errors.Add(KubeFieldError.Invalid("spec.strategy.rollingUpdate.maxUnavailable", "0", "may not be 0 when `maxSurge` is 0"));
                    }
                }

                if (KubeObject.Long(spec, "progressDeadlineSeconds") is { } pd && pd <= (KubeObject.Long(spec, "minReadySeconds") ?? 0))
                {
                    errors.Add(KubeFieldError.Invalid("spec.progressDeadlineSeconds", pd.ToString(CultureInfo.InvariantCulture), "must be greater than minReadySeconds"));
                }
            }

            if (old is not null && KubeObject.Obj(old, "spec", "selector") is { } oldSelector && selector is not null && !JsonNode.DeepEquals(oldSelector, selector))
            {
                errors.Add(KubeFieldError.Invalid("spec.selector", GoSelector(selector), "field is immutable"));
            }
        }
        else if (type == KubeResourceType.Pods)
        {
            ValidatePodSpec(errors, KubeObject.Obj(o, "spec"), "spec", requireAlways: false);
        }
        else if (type == KubeResourceType.Services)
        {
            var spec = KubeObject.Obj(o, "spec");
            var kind = KubeObject.Str(spec, "type") ?? "ClusterIP";
            if (kind is not ("ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName"))
            {
                errors.Add(KubeFieldError.NotSupported("spec.type", Quote(kind), ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]));
            }

            var ports = KubeObject.Arr(spec, "ports");
            if (kind != "ExternalName" && (ports is null || ports.Count == 0) && KubeObject.Str(spec, "clusterIP") != "None")
            {
                errors.Add(KubeFieldError.Required("spec.ports"));
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < (ports?.Count ?? 0); i++)
            {
                var p = ports![i] as JsonObject;
                var at = $"spec.ports[{i}]";
                if (ports.Count > 1 && string.IsNullOrEmpty(KubeObject.Str(p, "name")))
                {
                    errors.Add(KubeFieldError.Required(at + ".name"));
                }

                var port = KubeObject.Long(p, "port") ?? 0;
                if (port is < 1 or > 65535)
                {
                    errors.Add(port == 0 ? KubeFieldError.Required(at + ".port") : KubeFieldError.Invalid(at + ".port", port.ToString(CultureInfo.InvariantCulture), "must be between 1 and 65535, inclusive"));
                }

                var protocol = KubeObject.Str(p, "protocol") ?? "TCP";
                if (protocol is not ("TCP" or "UDP" or "SCTP"))
                {
                    errors.Add(KubeFieldError.NotSupported(at + ".protocol", Quote(protocol), ["SCTP", "TCP", "UDP"]));
                }

                if (!seen.Add($"{port}/{protocol}"))
                {
                    errors.Add(new KubeFieldError("FieldValueDuplicate", at, $"Duplicate value: core.ServicePort{{Name:\"{KubeObject.Str(p, "name")}\", Protocol:\"{protocol}\", Port:{port}}}"));
                }
            }

            if (old is not null && KubeObject.Str(KubeObject.Obj(old, "spec"), "clusterIP") is { } oldIp && KubeObject.Str(spec, "clusterIP") is { } newIp && oldIp != newIp)
            {
                errors.Add(KubeFieldError.Invalid("spec.clusterIPs[0]", Quote(newIp), "may not change once set"));
            }
        }
        else if (type == KubeResourceType.ConfigMaps || type == KubeResourceType.Secrets)
        {
            foreach (var field in new[] { "data", "binaryData" })
            {
                foreach (var key in (o[field] as JsonObject)?.Select(p => p.Key) ?? [])
                {
                    if (!ConfigKey().IsMatch(key))
                    {
                        errors.Add(KubeFieldError.Invalid($"{field}[{key}]", Quote(key), "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
                    }
                }
            }

            if (type == KubeResourceType.Secrets)
            {
                foreach (var value in KubeObject.StringMap(o["data"] as JsonObject).Values)
                {
                    try
                    {
                        _ = Convert.FromBase64String(value);
                    }
                    catch (FormatException)
                    {
                        throw KubeStatus.BadRequest("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 0");
                    }
                }
            }
        }

        if (errors.Count > 0)
        {
            throw KubeStatus.Invalid(type, name, errors);
        }
    }

    private static bool IsZero(JsonNode? v) => v?.ToJsonString() is "0" or "\"0%\"" or "\"0\"";

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKey();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    private static void ValidatePodSpec(List<KubeFieldError> errors, JsonObject? spec, string at, bool requireAlways)
    {
        var containers = KubeObject.Arr(spec, "containers");
        if (containers is null || containers.Count == 0)
        {
            errors.Add(KubeFieldError.Required(at + ".containers"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (containers?.Count ?? 0); i++)
        {
            var c = containers![i] as JsonObject;
            var cat = $"{at}.containers[{i}]";
            var name = KubeObject.Str(c, "name");
            if (string.IsNullOrEmpty(name))
            {
                errors.Add(KubeFieldError.Required(cat + ".name"));
            }
            else if (!Label().IsMatch(name) || name.Length > 63)
            {
                errors.Add(KubeFieldError.Invalid(cat + ".name", Quote(name), LabelMessage));
            }
            else if (!names.Add(name))
            {
                errors.Add(new KubeFieldError("FieldValueDuplicate", cat + ".name", $"Duplicate value: {Quote(name)}"));
            }

            if (string.IsNullOrWhiteSpace(KubeObject.Str(c, "image")))
            {
                errors.Add(KubeFieldError.Required(cat + ".image"));
            }

            var ports = KubeObject.Arr(c, "ports");
            for (var j = 0; j < (ports?.Count ?? 0); j++)
            {
                var port = KubeObject.Long(ports![j] as JsonObject, "containerPort") ?? 0;
                if (port is < 1 or > 65535)
                {
                    errors.Add(port == 0
                        ? KubeFieldError.Required($"{cat}.ports[{j}].containerPort")
                        : KubeFieldError.Invalid($"{cat}.ports[{j}].containerPort", port.ToString(CultureInfo.InvariantCulture), "must be between 1 and 65535, inclusive"));
                }
            }
        }

        var restart = KubeObject.Str(spec, "restartPolicy") ?? "Always";
        if (requireAlways && restart != "Always")
        {
            errors.Add(KubeFieldError.NotSupported(at + ".restartPolicy", Quote(restart), ["Always"]));
        }
        else if (restart is not ("Always" or "OnFailure" or "Never"))
        {
            errors.Add(KubeFieldError.NotSupported(at + ".restartPolicy", Quote(restart), ["Always", "Never", "OnFailure"]));
        }
    }

    private static void NameCheck(List<KubeFieldError> errors, string name, Regex regex, string message, int max)
    {
        if (name.Length > max)
        {
            errors.Add(KubeFieldError.Invalid("metadata.name", Quote(name), $"must be no more than {max} characters"));
        }
        else if (!regex.IsMatch(name))
        {
            errors.Add(KubeFieldError.Invalid("metadata.name", Quote(name), message));
        }
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    /// <summary>Renders labels as Go's <c>%#v</c> of a map does: <c>map[string]string{"app":"myapp"}</c>.</summary>
    public static string GoMap(IReadOnlyDictionary<string, string> map) =>
        "map[string]string{" + string.Join(", ", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{Quote(p.Key)}:{Quote(p.Value)}")) + "}";

    private static string GoSelector(JsonObject selector)
    {
        var labels = KubeObject.StringMap(selector["matchLabels"] as JsonObject);
        var ml = labels.Count == 0 ? "map[string]string(nil)" : GoMap(labels);
        return $"v1.LabelSelector{{MatchLabels:{ml}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}";
    }
}
