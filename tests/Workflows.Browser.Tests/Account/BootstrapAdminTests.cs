using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Account;

/// <summary>
/// A first start in Chromium: a server of its own with <c>Auth:BootstrapAdmin</c> on (the shared one runs without) and no
/// user, whose <c>admin</c> must change the printed one-time password; then the README's password recovery
/// (<c>dotnet Workflows.Server.dll reset-password --name admin</c>) while the admin is signed in.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class BootstrapAdminTests(PortalFixture portal)
{
    [BrowserFact]
    public async Task BootstrapAdmin_MustChangeItsPrintedOneTimePassword_AndIsRecoveredWithResetPassword()
    {
        var folder = Directory.CreateTempSubdirectory("wf-bootstrap-").FullName;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Workflows:DataDirectory"] = Directory.CreateDirectory(Path.Combine(folder, "data")).FullName,
            ["Workflows:WorkflowsDirectory"] = Directory.CreateDirectory(Path.Combine(folder, "workflows")).FullName,
            // The recovery is made by another process: this server reads the admin's stamp again after a second.
            ["Auth:SessionCheckInterval"] = "00:00:01",
        };
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var server = await ServerProcess.StartAsync(settings, Path.Combine(folder, "server.log"), startup.Token);
        try
        {
            var printed = await server.WaitForOutputAsync(OneTimePassword(), TimeSpan.FromSeconds(30));
            Assert.True(printed.Success, "The server printed no one-time password for 'admin'.");
            var first = printed.Groups["password"].Value;
            await using var context = await portal.NewContextAsync(server.BaseUrl);
            var page = await context.NewPageAsync();

            await page.GotoAsync("runs");
            await Expect(page).ToHaveURLAsync(new Regex("/login\\?returnUrl=%2Fruns$", RegexOptions.IgnoreCase)); // ReturnUrl from the cookie check
            await SignInAsync(page, first);
            await Expect(page).ToHaveURLAsync(new Regex("/account/password\\?returnUrl=%2Fruns$"));
            await Expect(page.GetByTestId("password-must-change")).ToBeVisibleAsync();
            var api = await page.APIRequest.GetAsync("api/workflows");
            Assert.Equal(403, api.Status);
            Assert.Contains("Password change required", await api.TextAsync(), StringComparison.Ordinal);
            await page.GotoAsync("workflows");
            await Expect(page).ToHaveURLAsync(new Regex("/account/password"));
            await ChoosePasswordAsync(page, first, "the admin's own long password");
            await page.GotoPortalAsync("admin/users");
            await Expect(page.GetByTestId("user-status-admin")).ToHaveTextAsync("active");
            Assert.Equal(200, (await page.APIRequest.GetAsync("api/workflows")).Status);

            // The README's recovery, with the server's configuration, while the admin's portal is open.
            var recovered = await ResetPasswordAsync(settings["Workflows:DataDirectory"]);
            await Expect(page).ToHaveURLAsync(new Regex("/login\\?returnUrl=%2Fadmin%2Fusers$", RegexOptions.IgnoreCase));
            await SignInAsync(page, "the admin's own long password");
            await Expect(page.GetByTestId("login-error")).ToHaveTextAsync("The user name or password is wrong.");
            await SignInAsync(page, recovered);
            await Expect(page).ToHaveURLAsync(new Regex("/account/password"));
            await Expect(page.GetByTestId("password-must-change")).ToBeVisibleAsync();
            await ChoosePasswordAsync(page, recovered, "a new long password after recovery");
            await page.GotoPortalAsync("admin/users");
            await Expect(page.GetByTestId("user-status-admin")).ToHaveTextAsync("active");
        }
        catch (Exception ex) when (ex is PlaywrightException or Xunit.Sdk.XunitException or TimeoutException)
        {
            throw new InvalidOperationException($"{ex.Message}\nServer log ({server.LogFile}), last lines:\n{server.LogTail()}", ex);
        }
    }

    private static async Task SignInAsync(IPage page, string password)
    {
        if (!new Uri(page.Url).AbsolutePath.EndsWith("/login", StringComparison.Ordinal))
        {
            await page.GotoAsync("login");
        }

        await page.GetByTestId("login-username").FillAsync("admin");
        await page.GetByTestId("login-password").FillAsync(password);
        await page.GetByTestId("login-submit").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
    }

    private static async Task ChoosePasswordAsync(IPage page, string current, string password)
    {
        await page.GetByTestId("password-current").FillAsync(current);
        await page.GetByTestId("password-new").FillAsync(password);
        await page.GetByTestId("password-confirm").FillAsync(password);
        await page.GetByTestId("password-submit").ClickAsync();
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync("admin");
        await page.WaitForInteractiveAsync();
    }

    // dotnet Workflows.Server.dll reset-password --name admin, as the README says, with the server's data directory.
    private static async Task<string> ResetPasswordAsync(string dataDirectory)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Workflows.Server.dll"), "reset-password", "--name", "admin", $"--Workflows:DataDirectory={dataDirectory}" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(wait.Token);
        Assert.True(process.ExitCode == 0, $"reset-password exited with {process.ExitCode}: {await error}");
        Assert.Contains("Reset local user 'admin' (admin)", await error, StringComparison.Ordinal);
        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return Assert.Single(lines);
    }

    [GeneratedRegex(@"created user 'admin' with one-time password:\s*\n\s*(?<password>\S+)")]
    private static partial Regex OneTimePassword();
}
