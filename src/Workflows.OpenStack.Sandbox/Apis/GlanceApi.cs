using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Workflows.OpenStack.Sandbox.State;
using static Workflows.OpenStack.Sandbox.Apis.SandboxHttp;

namespace Workflows.OpenStack.Sandbox.Apis;

/// <summary>Glance v2: version discovery, list and show images.</summary>
internal static class GlanceApi
{
    public static void MapGlance(this IEndpointRouteBuilder app, SandboxState state)
    {
        app.MapGet("/image", (HttpRequest r) => Json(Versions(r), 300));
        app.MapGet("/image/versions", (HttpRequest r) => Json(Versions(r)));
        app.MapGet("/image/v2/images", (HttpRequest r) =>
        {
            lock (state.Gate)
            {
                var items = Filter(state.Images.Select(Image), r.Query).ToList();
                return Json(new JsonObject { ["images"] = ToArray(items), ["first"] = "/v2/images", ["schema"] = "/v2/schemas/images" });
            }
        });
        app.MapGet("/image/v2/images/{id}", (string id) =>
        {
            lock (state.Gate)
            {
                return state.Images.Find(i => i.Id == id) is { } image
                    ? Json(Image(image))
                    : Glance(404, "Not Found", $"No image found with ID {id}");
            }
        });
    }

    private static JsonObject Versions(HttpRequest r) => new()
    {
        ["versions"] = new JsonArray(
            new JsonObject { ["id"] = "v2.16", ["status"] = "CURRENT", ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = $"{BaseUrl(r)}/image/v2/" }) },
            new JsonObject { ["id"] = "v2.0", ["status"] = "SUPPORTED", ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = $"{BaseUrl(r)}/image/v2/" }) }),
    };

    internal static JsonObject Image(SandboxImage i)
    {
        var md5 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(i.Id)))[..32];
        var sha = Convert.ToHexStringLower(SHA512.HashData(Encoding.UTF8.GetBytes(i.Id)));
        var o = new JsonObject
        {
            ["status"] = "active",
            ["name"] = i.Name,
            ["tags"] = new JsonArray(),
            ["container_format"] = "bare",
            ["created_at"] = Time(i.CreatedAt),
            ["disk_format"] = i.DiskFormat,
            ["updated_at"] = Time(i.CreatedAt),
            ["visibility"] = "public",
            ["self"] = $"/v2/images/{i.Id}",
            ["min_disk"] = 0,
            ["protected"] = false,
            ["id"] = i.Id,
            ["file"] = $"/v2/images/{i.Id}/file",
            ["checksum"] = md5,
            ["os_hash_algo"] = "sha512",
            ["os_hash_value"] = sha,
            ["os_hidden"] = false,
            ["owner"] = "admin",
            ["size"] = i.Size,
            ["min_ram"] = 0,
            ["schema"] = "/v2/schemas/image",
            ["virtual_size"] = null,
        };
        if (i.OsDistro is { } distro)
        {
            o["os_distro"] = distro;
        }

        return o;
    }
}
