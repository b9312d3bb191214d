using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Playwright;
using Workflows.Server.Auth;
using Xunit.Abstractions;

namespace Workflows.Browser.Tests.Hosting;

/// <summary>
/// One real server (SQLite, the built-in OpenStack sandbox, the repository's workflows plus the scenarios
/// beside these tests, three users) and one headless chromium, shared by the portal tests. Each scenario
/// gets its own browser context (cookies) at 1440x900, the desktop size of the README's screenshots.
/// </summary>
/// <param name="diagnostics">Where the run says, at its end, where its screenshots went (xunit's diagnostic messages, on in xunit.runner.json).</param>
public sealed class PortalFixture(IMessageSink diagnostics) : IAsyncLifetime
{
    /// <summary>The user with the operator role.</summary>
    public const string Operator = "op";

    /// <summary>The user with the viewer role.</summary>
    public const string Viewer = "viewer";

    /// <summary>The user with the admin role.</summary>
    public const string Admin = "admin";

    // Notes when the server's first render of the layout arrives over the Blazor circuit (a render batch
    // naming the layout's dark-mode-toggle): from then on the page is the interactive one and clicks work.
    // Any earlier batch may be the HeadOutlet's, another root component, while the body is still prerendered.
    private const string InteractivityProbe = """
        (() => {
          window.__wfInteractive = false;
          const Native = window.WebSocket;
          window.WebSocket = class extends Native {
            constructor(url, protocols) {
              super(url, protocols);
              if (String(url).includes('/_blazor')) {
                this.addEventListener('message', e => {
                  const text = typeof e.data === 'string' ? e.data : new TextDecoder('latin1').decode(e.data);
                  if (text.includes('JS.RenderBatch') && text.includes('dark-mode-toggle')) window.__wfInteractive = true;
                });
              }
            }
          };
        })();
        """;

    /// <summary>The window of a desktop (and of the README's screenshots): 1440x900.</summary>
    public static ViewportSize Desktop { get; } = new() { Width = 1440, Height = 900 };

    /// <summary>The window of a phone (and of the README's phone screenshots): 390x844.</summary>
    public static ViewportSize Phone { get; } = new() { Width = 390, Height = 844 };

    private readonly Dictionary<string, string> passwords = new(StringComparer.Ordinal)
    {
        [Operator] = NewPassword(),
        [Viewer] = NewPassword(),
        [Admin] = NewPassword(),
    };

    // Error answers a scenario expects, by page (see ExpectHttpError).
    private static readonly ConditionalWeakTable<IPage, ConcurrentDictionary<string, bool>> ExpectedErrors = new();

    // How many screenshots this run wrote (to BrowserEnvironment.ScreenshotsDirectory), said at the end of the run.
    private static int screenshots;

    private readonly string folder = Directory.CreateTempSubdirectory("wf-browser-").FullName;
    private ServerProcess? server;
    private IPlaywright? playwright;
    private IBrowser? browser;
    private bool failed;

    /// <summary>Gets the portal's address.</summary>
    public Uri BaseUrl => Server.BaseUrl;

    /// <summary>Gets the secret of the <c>test-webhook</c> hook (Scenarios/test-webhook.yaml), given to the server in <c>Webhooks:Secrets</c>.</summary>
    public string WebhookSecret { get; } = NewPassword();

    /// <summary>Gets the server's workflows folder (the repository's workflows and the scenarios), which it watches for changes.</summary>
    public string WorkflowsDirectory => Path.Combine(folder, "workflows");

    /// <summary>Gets the file holding the server's console output (e.g. the address of its OpenStack sandbox).</summary>
    public string ServerLogFile => Server.LogFile;

    /// <summary>Gets the server's data folder (its SQLite databases, <c>workflows.db</c> and <c>hangfire.db</c>).</summary>
    public string DataDirectory => Path.Combine(folder, "data");

    private ServerProcess Server => server ?? throw new InvalidOperationException("The server did not start.");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (BrowserEnvironment.SkipAllowed)
        {
            return;
        }

        if (!File.Exists(BrowserEnvironment.ChromiumPath))
        {
            throw new InvalidOperationException(BrowserEnvironment.MissingMessage);
        }

        var workflows = Directory.CreateDirectory(Path.Combine(folder, "workflows")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(BrowserEnvironment.RepositoryRoot, "workflows"), "*.yaml")
                     .Concat(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Scenarios"), "*.yaml")))
        {
            File.Copy(file, Path.Combine(workflows, Path.GetFileName(file)));
        }

        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Workflows:DataDirectory"] = Directory.CreateDirectory(Path.Combine(folder, "data")).FullName,
            ["Workflows:WorkflowsDirectory"] = workflows,
            ["Auth:BootstrapAdmin"] = "false",
            ["Webhooks:Secrets:test-webhook"] = WebhookSecret,
        };
        // Single sign-on through the provider of the test command (.ci/services/oidc.sh), when it runs.
        if (Environment.GetEnvironmentVariable("WORKFLOWS_TEST_OIDC_AUTHORITY") is { Length: > 0 } authority)
        {
            settings["Auth:Oidc:Authority"] = authority;
            settings["Auth:Oidc:ClientId"] = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_OIDC_CLIENT_ID") ?? "";
            settings["Auth:Oidc:ClientSecret"] = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_OIDC_CLIENT_SECRET") ?? "";
            settings["Auth:Oidc:DisplayName"] = "Test IdP";
            settings["Auth:Oidc:RequireHttpsMetadata"] = "false";
            settings["Auth:Oidc:Scopes:0"] = "openid";
            settings["Auth:Oidc:Scopes:1"] = "profile";
            settings["Auth:Oidc:Scopes:2"] = "groups";
            settings["Auth:Oidc:RoleMappings:0:Value"] = "platform-admins";
            settings["Auth:Oidc:RoleMappings:0:Role"] = Roles.Admin;
            settings["Auth:Oidc:RoleMappings:1:Value"] = "developers";
            settings["Auth:Oidc:RoleMappings:1:Role"] = Roles.Operator;
        }

        var i = 0;
        foreach (var (name, role) in new[] { (Operator, Roles.Operator), (Viewer, Roles.Viewer), (Admin, Roles.Admin) })
        {
            settings[$"Auth:Users:{i}:Name"] = name;
            settings[$"Auth:Users:{i}:PasswordHash"] = AccountStore.HashPassword(passwords[name]);
            settings[$"Auth:Users:{i}:Role"] = role;
            i++;
        }

        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            // With the scenarios' test-only actions (Scenarios/ScenarioActions.cs), e.g. test.log-lines.
            server = await ServerProcess.StartAsync(settings, Path.Combine(folder, "server.log"), startup.Token, Scenarios.ScenarioActions.Enable);
            await EnsureWebAssetsAreServedAsync(startup.Token);

            Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            playwright = await Playwright.CreateAsync();
            browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = BrowserEnvironment.ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
        }
        catch
        {
            failed = true;
            await DisposeAsync();
            throw;
        }

        Assertions.SetDefaultExpectTimeout(15_000);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Volatile.Read(ref screenshots) is > 0 and var count)
        {
            diagnostics.OnMessage(new Xunit.Sdk.DiagnosticMessage($"Screenshots: {count} written to {BrowserEnvironment.ScreenshotsDirectory}" +
                (BrowserEnvironment.UpdateScreenshots ? "" : " (the README's docs/screenshots are refreshed only with WORKFLOWS_UPDATE_SCREENSHOTS=1)")));
        }

        if (browser is not null)
        {
            await browser.DisposeAsync();
            browser = null;
        }

        playwright?.Dispose();
        playwright = null;
        if (server is not null)
        {
            await server.DisposeAsync();
            server = null;
        }

        // Kept after a failure: the failure message points at the screenshot and the server log in it.
        if (!failed)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by the exiting server; the temp folder is cleaned up by the system.
            }
        }
    }

    /// <summary>
    /// Runs a scenario in a fresh browser context, signed in as <paramref name="user"/> (null: signed out).
    /// A failure is rethrown with the page's address, a screenshot, the browser's console errors and the
    /// end of the server's log.
    /// </summary>
    public async Task RunAsync(string? user, Func<IPage, Task> scenario, [CallerMemberName] string name = "")
    {
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        var console = new ConcurrentQueue<string>();
        page.Console += (_, m) =>
        {
            // "Failed to load resource" lacks the address; the response handler below records those.
            if (m.Type is "error" or "warning" && !m.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                console.Enqueue($"[{m.Type}] {m.Text}");
            }
        };
        page.Response += (_, r) =>
        {
            if (r.Status >= 400 && !(ExpectedErrors.TryGetValue(page, out var expected) && expected.ContainsKey($"{r.Status} {new Uri(r.Url).PathAndQuery}")))
            {
                console.Enqueue($"[http {r.Status}] {r.Request.Method} {r.Url}");
            }
        };
        page.PageError += (_, e) => console.Enqueue($"[page error] {e}");
        try
        {
            if (user is not null)
            {
                await SignInAsync(page, user);
            }

            await scenario(page);

            // A script error would leave parts of the portal dead without failing any locator above.
            var errors = console.Where(c => !c.StartsWith("[warning]", StringComparison.Ordinal)).ToList();
            Assert.True(errors.Count == 0, "The browser reported errors:\n  " + string.Join("\n  ", errors));
        }
#pragma warning disable CA1031 // rethrown with the context that explains it
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failed = true;
            var shot = Path.Combine(folder, $"{name}-failure.png");
            try
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            }
            catch (PlaywrightException)
            {
                shot = "(none: the page is gone)";
            }

            throw new InvalidOperationException(
                $"""
                {name} failed at {page.Url}: {ex.Message}
                Screenshot: {shot}
                Browser console: {(console.IsEmpty ? "(nothing)" : string.Join("\n  ", console))}
                Server log ({Server.LogFile}), last lines:
                {Server.LogTail()}
                """,
                ex);
        }
    }

    /// <summary>
    /// Opens a fresh browser context (its own cookies, signed out) on the portal at <see cref="Desktop"/> size, as
    /// <see cref="RunAsync"/> gives each scenario: for a scenario with a second user in a second browser.
    /// </summary>
    /// <param name="baseUrl">The portal's address: null for the fixture's server, or another server a scenario started.</param>
    public async Task<IBrowserContext> NewContextAsync(Uri? baseUrl = null)
    {
        if (browser is null)
        {
            throw new InvalidOperationException("The browser did not start.");
        }

        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = (baseUrl ?? BaseUrl).ToString(),
            ViewportSize = Desktop,
            Locale = "en-US",
            TimezoneId = "UTC",
            ColorScheme = ColorScheme.Light,
        });
        await context.AddInitScriptAsync(InteractivityProbe);
        return context;
    }

    /// <summary>
    /// Tells <see cref="RunAsync"/> that <paramref name="page"/> answering <paramref name="status"/> at <paramref name="path"/>
    /// (path and query, e.g. <c>/no/such/page</c>) is what the scenario tests, not an error of the page.
    /// </summary>
    public static void ExpectHttpError(IPage page, int status, string path) =>
        ExpectedErrors.GetOrCreateValue(page)[$"{status} {path}"] = true;

    /// <summary>Returns the password of a local test user (<see cref="Operator"/>, <see cref="Viewer"/> or <see cref="Admin"/>).</summary>
    public string PasswordOf(string user) => passwords[user];

    /// <summary>Signs in through the sign-in form and waits until the portal is interactive.</summary>
    public async Task SignInAsync(IPage page, string user)
    {
        await page.GotoAsync("login");
        await page.GetByTestId("login-username").FillAsync(user);
        await page.GetByTestId("login-password").FillAsync(passwords[user]);
        await page.GetByTestId("login-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("user-name")).ToHaveTextAsync(user);
        await page.WaitForInteractiveAsync();
    }

    /// <summary>
    /// Signs in through the single sign-on button (of the sign-in page the browser is on, keeping where it was going, or
    /// else of a fresh one) and the test provider's login page (alice, bob or carol); waits until the portal is interactive.
    /// </summary>
    public static async Task SignInWithSingleSignOnAsync(IPage page, string user)
    {
        var password = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_OIDC_PASSWORD") is { Length: > 0 } p
            ? p
            : throw new InvalidOperationException("WORKFLOWS_TEST_OIDC_* are not set: start the provider with `bash .ci/services/oidc.sh start` (the test command, .ci/test.sh, does) and load $WF_TEST_ENV.");
        if (!new Uri(page.Url).AbsolutePath.EndsWith("/login", StringComparison.Ordinal))
        {
            await page.GotoAsync("login");
        }

        await page.GetByTestId("login-sso").ClickAsync();
        await page.Locator("#login").FillAsync(user);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("user-name")).ToHaveTextAsync($"{user} (SSO)"); // a single sign-on user is marked
        await page.WaitForInteractiveAsync();
    }

    /// <summary>
    /// Saves a screenshot of the window to <see cref="BrowserEnvironment.ScreenshotsDirectory"/> (a folder of this run outside
    /// the repository; docs/screenshots, the README's images, with <c>WORKFLOWS_UPDATE_SCREENSHOTS=1</c>). Every shot is taken at
    /// <see cref="Desktop"/> or <see cref="Phone"/> size, with animations finished and no caret, so that a refresh
    /// writes the same pictures of the same pages.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string fileName)
    {
        var size = page.ViewportSize;
        if (size is null || !(size.Width == Desktop.Width && size.Height == Desktop.Height) && !(size.Width == Phone.Width && size.Height == Phone.Height))
        {
            throw new InvalidOperationException(
                $"{fileName}: the window is {size?.Width}x{size?.Height}; screenshots are taken at {Desktop.Width}x{Desktop.Height} or {Phone.Width}x{Phone.Height}.");
        }

        Directory.CreateDirectory(BrowserEnvironment.ScreenshotsDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(BrowserEnvironment.ScreenshotsDirectory, fileName),
            Animations = ScreenshotAnimations.Disabled,
            Caret = ScreenshotCaret.Hide,
        });
        Interlocked.Increment(ref screenshots);
    }

    private static string NewPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));

    private async Task EnsureWebAssetsAreServedAsync(CancellationToken cancellationToken)
    {
        // In Production a build output answers 200 with an empty body here; the pages would look unstyled.
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = BaseUrl };
        using var response = await http.GetAsync(new Uri("_content/MudBlazor/MudBlazor.min.css", UriKind.Relative), cancellationToken);
        var css = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "text/css" || css.Length < 10_000)
        {
            throw new InvalidOperationException($"The server does not serve MudBlazor's CSS ({(int)response.StatusCode}, {css.Length} characters). Its log:\n{Server.LogTail()}");
        }

        // Without it the portal is a static page: no button works. The SDK adds the framework's web assets
        // (blazor.web.js) only to projects that have .razor files themselves, or set RequiresAspNetWebAssets.
        using var script = await http.GetAsync(new Uri("_framework/blazor.web.js", UriKind.Relative), cancellationToken);
        var js = await script.Content.ReadAsStringAsync(cancellationToken);
        if (!script.IsSuccessStatusCode || script.Content.Headers.ContentType?.MediaType != "text/javascript" || js.Length < 10_000)
        {
            throw new InvalidOperationException(
                $"The server does not serve _framework/blazor.web.js ({(int)script.StatusCode}, {js.Length} characters), so the portal cannot become interactive. " +
                "src/Workflows.Server/Workflows.Server.csproj needs <RequiresAspNetWebAssets>true</RequiresAspNetWebAssets> (the portal's .razor files are in a class library).");
        }
    }
}

/// <summary>The portal tests share one server and one browser, and run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "portal";
}
