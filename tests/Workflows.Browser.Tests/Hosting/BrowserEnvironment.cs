using System.Reflection;

namespace Workflows.Browser.Tests.Hosting;

/// <summary>Where the browser, the repository and the screenshots are.</summary>
public static class BrowserEnvironment
{
    /// <summary>Gets the chromium executable: <c>WORKFLOWS_TEST_CHROMIUM</c>, or Debian's <c>/usr/bin/chromium</c>.</summary>
    public static string ChromiumPath { get; } =
        Environment.GetEnvironmentVariable("WORKFLOWS_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Gets whether the browser is missing and the suite may be skipped (<c>WORKFLOWS_TEST_ALLOW_SKIP=1</c>).</summary>
    public static bool SkipAllowed => !File.Exists(ChromiumPath) && Environment.GetEnvironmentVariable("WORKFLOWS_TEST_ALLOW_SKIP") == "1";

    /// <summary>Gets the message for a missing browser.</summary>
    public static string MissingMessage =>
        $"No chromium at {ChromiumPath}: install the Debian packages listed in .ci/services/chromium.packages " +
        "(apt-get install chromium fonts-dejavu-core; .ci/test.sh does it) or set WORKFLOWS_TEST_CHROMIUM. " +
        "Playwright never downloads a browser for these tests.";

    /// <summary>Gets the repository root the tests were built from.</summary>
    public static string RepositoryRoot { get; } =
        typeof(BrowserEnvironment).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value
        ?? throw new InvalidOperationException("The RepositoryRoot assembly metadata is missing.");

    /// <summary>Gets whether this run refreshes the README's screenshots: <c>WORKFLOWS_UPDATE_SCREENSHOTS=1</c>.</summary>
    public static bool UpdateScreenshots => Environment.GetEnvironmentVariable("WORKFLOWS_UPDATE_SCREENSHOTS") == "1";

    /// <summary>
    /// Gets where screenshots go: <c>WORKFLOWS_TEST_SCREENSHOTS</c> when set; else the repository's <c>docs/screenshots</c>
    /// when <see cref="UpdateScreenshots"/> (the README's images, refreshed on purpose); else a folder of this run outside
    /// the repository, <c>&lt;temp&gt;/workflows-screenshots/&lt;yyyyMMdd-HHmmss&gt;-&lt;process id&gt;</c>, so that an
    /// ordinary run (CI) never changes the clone, and two runs never mix their pictures.
    /// </summary>
    public static string ScreenshotsDirectory { get; } =
        Environment.GetEnvironmentVariable("WORKFLOWS_TEST_SCREENSHOTS") is { Length: > 0 } dir ? Path.GetFullPath(dir)
        : UpdateScreenshots ? DocsScreenshotsDirectory
        : Path.Combine(Path.GetTempPath(), "workflows-screenshots", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");

    /// <summary>Gets the repository's <c>docs/screenshots</c>, the README's images.</summary>
    public static string DocsScreenshotsDirectory => Path.Combine(RepositoryRoot, "docs", "screenshots");
}

/// <summary>A browser test: skipped only when chromium is missing and <c>WORKFLOWS_TEST_ALLOW_SKIP=1</c>, otherwise it runs (and fails with <see cref="BrowserEnvironment.MissingMessage"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    /// <summary>Initializes the attribute.</summary>
    public BrowserFactAttribute()
    {
        if (BrowserEnvironment.SkipAllowed)
        {
            Skip = BrowserEnvironment.MissingMessage;
        }
    }
}
