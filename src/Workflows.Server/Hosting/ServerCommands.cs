using Workflows.Server.Auth;

namespace Workflows.Server.Hosting;

/// <summary>Command-line tasks besides serving: hashing a password for configuration, creating an API token, resetting a user's password.</summary>
public static class ServerCommands
{
    /// <summary>Runs a command when the first argument names one; returns whether it did.</summary>
    public static async Task<bool> TryRunAsync(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "hash-password":
                Console.Error.Write("Password: ");
                var password = Console.IsInputRedirected ? Console.In.ReadLine() : ReadHidden();
                if (string.IsNullOrEmpty(password))
                {
                    Console.Error.WriteLine("hash-password: no password given on standard input");
                    Environment.ExitCode = 2;
                    return true;
                }

                Console.WriteLine(AccountStore.HashPassword(password));
                return true;
            case "create-token":
                var name = Arg(args, "--name");
                var role = Arg(args, "--role") ?? Roles.Operator;
                if (name is null || !Roles.All.Contains(role))
                {
                    Console.Error.WriteLine("usage: Workflows.Server create-token --name NAME [--role viewer|operator|admin] [--days N] [--groups GROUP,GROUP]");
                    Environment.ExitCode = 2;
                    return true;
                }

                var days = Arg(args, "--days") is { } d ? int.Parse(d, System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
                var builder = WebApplication.CreateBuilder(args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) || a.Contains('=', StringComparison.Ordinal)).Skip(1).ToArray());
                builder.Logging.ClearProviders();
                builder.Services.AddWorkflowEngine(builder.Configuration, o => o.RunWorkers = false);
                builder.Services.AddWorkflowAuth(builder.Configuration);
                await using (var app = builder.Build())
                {
                    var db = app.Services.GetRequiredService<Workflows.Engine.Storage.EngineDatabase>();
                    await db.MigrateAsync(Workflows.Engine.Storage.EngineSchema.Migrations, "engine");
                    await db.MigrateAsync(AccountStore.Migrations, "server");
                    var groups = Arg(args, "--groups") is { } g ? g.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToArray() : [];
                    var (id, token) = await app.Services.GetRequiredService<AccountStore>().CreateTokenAsync(name, role, groups, "command line", days is { } n ? TimeSpan.FromDays(n) : null, default);
                    Console.Error.WriteLine($"Created API token '{name}' ({role}{(groups.Length == 0 ? "" : $", groups {string.Join(", ", groups)}")}), id {id}. Use it as: Authorization: Bearer <token>");
                    Console.WriteLine(token);
                }

                return true;
            case "reset-password":
                return await ResetPasswordAsync(args);
            default:
                return false;
        }
    }

    // Password recovery: run on the server's host with the server's configuration (the same database); no sign-in
    // needed, since whoever can run this can read the database anyway.
    private static async Task<bool> ResetPasswordAsync(string[] args)
    {
        var name = Arg(args, "--name");
        var role = Arg(args, "--role");
        if (name is null || (role is not null && !Roles.All.Contains(role)))
        {
            Console.Error.WriteLine("usage: Workflows.Server reset-password --name NAME [--role viewer|operator|admin]");
            Console.Error.WriteLine("  Sets a generated one-time password for the local user NAME (creating the user with --role, default admin,");
            Console.Error.WriteLine("  when it does not exist), enables it and makes it choose a new password at its next sign-in.");
            Environment.ExitCode = 2;
            return true;
        }

        var builder = WebApplication.CreateBuilder(args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) || a.Contains('=', StringComparison.Ordinal)).Skip(1).ToArray());
        builder.Logging.ClearProviders();
        builder.Services.AddWorkflowEngine(builder.Configuration, o => o.RunWorkers = false);
        builder.Services.AddWorkflowAuth(builder.Configuration);
        await using var app = builder.Build();
        var db = app.Services.GetRequiredService<Workflows.Engine.Storage.EngineDatabase>();
        await db.MigrateAsync(AccountStore.Migrations, "server");
        await db.MigrateAsync(SecurityAudit.Migrations, "security");
        var accounts = app.Services.GetRequiredService<AccountStore>();
        if (accounts.Configured(name) is not null)
        {
            Console.Error.WriteLine($"reset-password: user '{name}' is defined in configuration (Auth:Users); set its PasswordHash there (see 'hash-password') and restart.");
            Environment.ExitCode = 1;
            return true;
        }

        var existing = await accounts.GetUserAsync(name, default);
        var password = PasswordPolicy.Generate();
        await accounts.SetUserAsync(name, password, role ?? existing?.Role ?? Roles.Admin, mustChangePassword: true, default);
        await app.Services.GetRequiredService<SecurityAudit>().RecordAsync(
            SecurityEventKind.PasswordReset, "command line", $"local user '{name}' {(existing is null ? "created" : "reset")} as {role ?? existing?.Role ?? Roles.Admin}, enabled; one-time password; must change it at next sign-in", null, default);
        Console.Error.WriteLine($"{(existing is null ? "Created" : "Reset")} local user '{name}' ({role ?? existing?.Role ?? Roles.Admin}); its other sessions ended. One-time password (asked to change at sign-in):");
        Console.WriteLine(password);
        return true;
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string ReadHidden()
    {
        var s = new System.Text.StringBuilder();
        while (true)
        {
            var k = Console.ReadKey(intercept: true);
            if (k.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return s.ToString();
            }

            if (k.Key == ConsoleKey.Backspace && s.Length > 0)
            {
                s.Length--;
            }
            else if (!char.IsControl(k.KeyChar))
            {
                s.Append(k.KeyChar);
            }
        }
    }
}

/// <summary>Prints where the portal is once the server listens, and where its OpenStack clouds came from.</summary>
public sealed class StartupBanner(
    IHostApplicationLifetime lifetime,
    Microsoft.AspNetCore.Hosting.Server.IServer server,
    Workflows.OpenStack.Configuration.OpenStackCloudCatalog clouds,
    Workflows.OpenStack.Configuration.CloudsYamlLoader loader,
    ILogger<StartupBanner> logger) : IHostedService
{
    /// <summary>Describes the clouds: which files were read (or searched), names by source, never a secret.</summary>
    /// <returns>One line.</returns>
    public string DescribeClouds()
    {
        var list = clouds.List();
        var files = clouds.FilesRead;
        var read = files.Count > 0
            ? $"read {string.Join(", ", files)}"
            : $"no clouds.yaml found (searched OS_CLIENT_CONFIG_FILE, {string.Join(", ", loader.SearchPath("clouds").Where(p => p.EndsWith(".yaml", StringComparison.Ordinal)))})";
        var names = list.Count == 0 ? "none" : string.Join(", ", list.Select(c => $"{c.Name} ({Source(c.Source)})"));
        return $"OpenStack clouds: {names}; {read}; registered clouds are kept in {clouds.RegisteredLocation}";
    }

    private static string Source(string source) => source.EndsWith(".yaml", StringComparison.Ordinal) || source.EndsWith(".yml", StringComparison.Ordinal)
        ? "clouds.yaml"
        : source.StartsWith("run ", StringComparison.Ordinal) ? "registered" : source;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var a in addresses)
            {
                logger.LogInformation("Workflows portal: {Url}  (API: {Url}/api, Hangfire dashboard: {Url}/hangfire, health: {Url}/healthz)", a, a, a, a);
            }

            try
            {
                logger.LogInformation("{Clouds}", DescribeClouds());
            }
            catch (Workflows.OpenStack.OpenStackConfigurationException e)
            {
                logger.LogWarning("OpenStack clouds: {Error}", e.Message);
            }
        });
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
