using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Workflows.Browser.Tests.Hosting;

namespace Workflows.Browser.Tests.Documentation;

/// <summary>
/// The README's screenshots are the ones this suite takes (refreshed with <c>WORKFLOWS_UPDATE_SCREENSHOTS=1</c>):
/// every picture it shows exists, every picture in docs/screenshots is shown, and each has the size the suite takes
/// its screenshots at. No browser is needed.
/// </summary>
public sealed partial class ReadmeScreenshotsTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(BrowserEnvironment.RepositoryRoot, "README.md"));

    [Fact]
    public void EveryScreenshotTheReadmeShows_Exists()
    {
        var shown = Shown();
        Assert.NotEmpty(shown);
        var missing = shown.Where(f => !File.Exists(Path.Combine(BrowserEnvironment.DocsScreenshotsDirectory, f))).ToList();
        Assert.True(missing.Count == 0, "The README shows screenshots that docs/screenshots lacks: " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryScreenshotInDocs_IsShownByTheReadme()
    {
        var shown = Shown();
        var unused = Directory.GetFiles(BrowserEnvironment.DocsScreenshotsDirectory).Select(Path.GetFileName).Where(f => !shown.Contains(f!)).ToList();
        Assert.True(unused.Count == 0, "docs/screenshots has pictures the README does not show (remove them, or show them): " + string.Join(", ", unused));
    }

    [Fact]
    public void EveryScreenshotInDocs_HasADesktopOrPhoneSize()
    {
        var wrong = new List<string>();
        foreach (var file in Directory.GetFiles(BrowserEnvironment.DocsScreenshotsDirectory, "*.png"))
        {
            var (width, height) = PngSize(file);
            if (!(width == PortalFixture.Desktop.Width && height == PortalFixture.Desktop.Height) && !(width == PortalFixture.Phone.Width && height == PortalFixture.Phone.Height))
            {
                wrong.Add($"{Path.GetFileName(file)} ({width}x{height})");
            }
        }

        Assert.True(wrong.Count == 0, "Screenshots not taken by the current suite (refresh them with WORKFLOWS_UPDATE_SCREENSHOTS=1): " + string.Join(", ", wrong));
    }

    private static HashSet<string> Shown() =>
        ScreenshotLink().Matches(Readme).Select(m => m.Groups["file"].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>Reads a PNG's width and height from its header (the IHDR chunk right after the signature).</summary>
    private static (int Width, int Height) PngSize(string file)
    {
        Span<byte> header = stackalloc byte[24];
        using var stream = File.OpenRead(file);
        stream.ReadExactly(header);
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(header[..8].SequenceEqual(signature), $"{Path.GetFileName(file)} is not a PNG");
        return (BinaryPrimitives.ReadInt32BigEndian(header[16..20]), BinaryPrimitives.ReadInt32BigEndian(header[20..24]));
    }

    // Markdown images ![…](docs/screenshots/x.png) and HTML <img src="docs/screenshots/x.png">.
    [GeneratedRegex(@"docs/screenshots/(?<file>[A-Za-z0-9._-]+\.png)")]
    private static partial Regex ScreenshotLink();
}
