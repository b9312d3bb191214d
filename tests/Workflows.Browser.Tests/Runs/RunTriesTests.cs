using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Browser.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Browser.Tests.Runs;

/// <summary>
/// An operator reads a run that failed, was compensated and then retried by hand (issue 16, parts 1 and 2): its tries
/// grouped on the page and in the step drawer, one attempt numbering, durations without the idle time before the retry,
/// and the log, on the page and in the downloaded file, with every line's UTC time and step and the boundaries marked.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class RunTriesTests(PortalFixture portal)
{
    // An upper bound for a run to finish on the sandbox (a server stays in BUILD for 3 s), not a pace.
    private static readonly LocatorAssertionsToHaveAttributeOptions Finished = new() { Timeout = 60_000 };

    // How long the failed run stays untouched before the retry: the gap the durations must leave out.
    private static readonly TimeSpan IdleGap = TimeSpan.FromSeconds(8);

    [BrowserFact]
    public Task CompensatedThenRetriedRun_GroupsItsTries_NumbersAttemptsOnce_LeavesTheIdleGapOutOfDurations_AndMarksTheLogsBoundaries_AlsoInTheDownload() => portal.RunAsync(PortalFixture.Operator, async page =>
    {
        var wall = await RunCompensateAndRetryAsync(page);

        // The first try's compensation, under its label; the current try above the graph.
        var first = page.GetByTestId("compensation-try-1");
        await Expect(first.GetByTestId("try-label")).ToHaveTextAsync("Try 1 — compensated");
        await Expect(first.GetByTestId("step-compensate:server")).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(page.GetByTestId("current-try")).ToHaveTextAsync("Try 2 — succeeded");

        // The failed step's card counts its attempts within the current try, not across both.
        await Expect(page.GetByTestId("step-wait").GetByTestId("step-attempts")).ToHaveTextAsync(new Regex(@"^try 2 · attempt 1/2\b"));

        // The drawer groups the attempts under their tries and numbers them again from 1 in each (a bad duration is not
        // worth a second attempt, so each try made one).
        await page.GetByTestId("step-wait").ClickAsync();
        var drawer = page.GetByTestId("step-details");
        await Expect(drawer.GetByTestId("attempts-try-1")).ToHaveTextAsync("Try 1 — compensated");
        await Expect(drawer.GetByTestId("attempts-try-2")).ToHaveTextAsync("Try 2 — succeeded");
        await Expect(drawer.GetByTestId("attempt-label")).ToHaveTextAsync(["attempt 1/2", "attempt 1/2"]);
        await Expect(drawer.GetByTestId("attempt-error").First).ToContainTextAsync("not-a-duration");
        await Expect(drawer.GetByTestId("step-inputs-attempts").GetByRole(AriaRole.Button))
            .ToHaveTextAsync(["try 1 · attempt 1", "try 2 · attempt 1"]);
        await PortalFixture.ScreenshotAsync(page, "run-tries-drawer.png");
        await drawer.GetByTestId("step-details-close").ClickAsync();

        // Durations: the run's and the failed step's leave out the idle time between the two tries.
        await Expect(page.GetByTestId("run-duration")).ToHaveTextAsync(new Regex(@" in 2 tries\s*$"));
        var run = ParseDuration(await page.GetByTestId("run-duration").InnerTextAsync(), out var tries);
        Assert.Equal(2, tries);
        var busy = wall.Total - wall.Idle;
        Assert.True(run <= busy + TimeSpan.FromSeconds(1), $"the run's duration {run} counts the {wall.Idle} idle before the retry (at most {busy} was busy)");
        var step = ParseDuration(await page.GetByTestId("step-wait").GetByTestId("step-duration").InnerTextAsync(), out _);
        Assert.True(step <= busy + TimeSpan.FromSeconds(1), $"the step's duration {step} counts the {wall.Idle} idle before the retry (at most {busy} was busy)");

        // The log, on the page: where the compensation and the second try begin.
        var log = page.GetByTestId("log-view");
        await Expect(log.GetByTestId("log-boundary")).ToHaveTextAsync(["Compensation", "Try 2"]);
        var boundaryOrder = await log.EvaluateAsync<string[]>(
            "v => [...v.querySelectorAll('[data-testid=log-line],[data-testid=log-boundary]')].map(e => e.dataset.testid === 'log-boundary' ? '== ' + e.textContent : e.dataset.step)");
        var compensation = Array.IndexOf(boundaryOrder, "== Compensation");
        var retry = Array.IndexOf(boundaryOrder, "== Try 2");
        Assert.True(compensation >= 0 && retry > compensation, "boundaries out of order: " + string.Join(", ", boundaryOrder));
        Assert.All(boundaryOrder[(compensation + 1)..retry], s => Assert.Equal("compensate:server", s));

        // The download: through the browser, a file with every line's UTC time and step, and the same boundaries.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("log-download").ClickAsync());
        var id = RunId().Match(page.Url).Groups["id"].Value;
        Assert.Equal($"test-compensated-retry-{id[..8]}-logs.txt", download.SuggestedFilename);
        var path = await download.PathAsync();
        var text = await File.ReadAllTextAsync(path);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["===== Compensation =====", "===== Try 2 ====="], lines.Where(l => l.StartsWith("=====", StringComparison.Ordinal)));
        var steps = new List<string>();
        foreach (var line in lines.Where(l => !l.StartsWith("=====", StringComparison.Ordinal)))
        {
            var match = DownloadedLine().Match(line);
            Assert.True(match.Success, $"a line without its UTC time and step: '{line}'");
            Assert.True(DateTimeOffset.TryParseExact(match.Groups["at"].Value, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _));
            steps.Add(match.Groups["step"].Value);
        }

        var fileCompensation = Array.IndexOf(lines, "===== Compensation =====");
        var fileRetry = Array.IndexOf(lines, "===== Try 2 =====");
        Assert.All(lines[(fileCompensation + 1)..fileRetry], l => Assert.Contains("[compensate:server]", l, StringComparison.Ordinal));
        Assert.Contains(lines[(fileRetry + 1)..], l => l.Contains("[wait]", StringComparison.Ordinal));
        // As many lines as the page shows, no more, no fewer (the page's log follows the run on its own, so it may still
        // be fetching its last lines: wait for them rather than count once).
        await Expect(log.GetByTestId("log-line")).ToHaveCountAsync(steps.Count);
    });

    /// <summary>
    /// Starts <c>test-compensated-retry</c> (Scenarios/test-compensated-retry.yaml) with a bad duration: its server is
    /// created, the wait fails twice and the server is deleted again. Leaves it untouched for <see cref="IdleGap"/>,
    /// then retries it with a good duration from the Retry dialog and waits until it succeeds.
    /// </summary>
    /// <returns>The time from the start to the end as the test saw it, and the idle time in between.</returns>
    private static async Task<(TimeSpan Total, TimeSpan Idle)> RunCompensateAndRetryAsync(IPage page)
    {
        var started = DateTimeOffset.UtcNow;
        await page.StartRunAsync("test-compensated-retry", new Dictionary<string, string> { ["name"] = "tries-" + Guid.NewGuid().ToString("N")[..8] });
        // Failed, and its server deleted again by the compensation.
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Failed", Finished);
        await Expect(page.GetByTestId("step-compensate:server")).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
        var failed = DateTimeOffset.UtcNow;
        await Expect(page.GetByTestId("step-wait")).ToHaveAttributeAsync("data-status", "Failed");

        // The run sits compensated for a while, as a run waits for its operator; that time is no one's work.
        await page.WaitForTimeoutAsync((float)IdleGap.TotalMilliseconds);
        await page.GetByTestId("retry-run").ClickAsync();
        var dialog = page.GetByTestId("retry-dialog");
        await dialog.Input("wait").FillAsync("1s");
        var retried = DateTimeOffset.UtcNow;
        await dialog.GetByTestId("submit").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.RunStatus()).ToHaveAttributeAsync("data-status", "Succeeded", Finished);
        return (DateTimeOffset.UtcNow - started, retried - failed);
    }

    /// <summary>Reads a duration as the portal writes it (850ms, 12s, 3m 05s, 2h 10m), with its " in N tries".</summary>
    private static TimeSpan ParseDuration(string text, out int tries)
    {
        var match = Duration().Match(text.Trim());
        Assert.True(match.Success, $"not a duration: '{text}'");
        tries = match.Groups["tries"].Success ? int.Parse(match.Groups["tries"].Value, CultureInfo.InvariantCulture) : 1;
        int Part(string name) => match.Groups[name].Success ? int.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        return new TimeSpan(0, Part("h"), Part("m"), Part("s"), Part("ms"));
    }

    [GeneratedRegex(@"^(?:(?<ms>\d+)ms|(?:(?<h>\d+)h\s*)?(?:(?<m>\d+)m\s*)?(?:(?<s>\d+)s)?)(?: in (?<tries>\d+) tries)?$")]
    private static partial Regex Duration();

    [GeneratedRegex(@"^(?<at>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) \[(?<step>[^\]]+)\] ")]
    private static partial Regex DownloadedLine();

    [GeneratedRegex("/runs/(?<id>[0-9a-f-]{36})$")]
    private static partial Regex RunId();
}
