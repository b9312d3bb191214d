using System.Text;
using CsCheck;
using Workflows.Abstractions.Actions;
using Workflows.Engine.Actions;
using Workflows.Engine.Definitions;
using Workflows.Engine.TestHost;
using Xunit.Abstractions;

namespace Workflows.Engine.Tests.Definitions;

/// <summary>
/// Every input ends as a definition or as errors with a position, never as an exception: mutated
/// and truncated copies of every shipped workflow, YAML-like token soup, random text and random bytes.
/// </summary>
/// <remarks>
/// CI runs a fixed seed and a small count (seconds). A larger run on demand:
/// <c>WORKFLOWS_FUZZ_ITERATIONS=200000 dotnet test tests/Workflows.Engine.Tests --filter DefinitionParserFuzzTests</c>
/// runs CsCheck's sampler on every core with random seeds and shrinks a failure to a small input;
/// <c>WORKFLOWS_FUZZ_SEED</c> changes the fixed seed of the CI run.
/// </remarks>
public sealed class DefinitionParserFuzzTests(ITestOutputHelper output)
{
    private const string File = "workflows/fuzz.yaml";

    private static readonly ActionDescriptor[] Actions =
    [
        new("test.record", typeof(RecordAction), typeof(RecordInputs), null),
        new("test.undo", typeof(UndoAction), typeof(UndoInputs), null),
        new("core.delay", typeof(DelayAction), typeof(DelayInputs), typeof(DelayOutputs)),
    ];

    // Pieces that YAML and the expression language give meaning to, and bytes that are not text.
    private static readonly byte[][] Tokens =
    [
        .. new[]
        {
            "{", "}", "[", "]", ":", ": ", "- ", ",", "&a ", "*a", "&b [*a, *a] ", "<<: *a", "!!str ", "!tag ", "!!binary ", "|", "|-", ">", "'", "\"",
            "\\", "#", "%YAML 1.2\n", "%TAG ! tag:x:\n", "---\n", "...\n", "? ", "\t", "\n", "\r\n", "\r", " ", "    ", "\0", "\u0085", "\u2028", "\uFEFF",
            "${{", "}}", "${{ (", "${{ !", "${{ inputs.", "${{ steps.a.outputs.", " && ", " || ", "99999999999999999999", "1.2.3", "-", "~", "null", "true",
            "{ duration: 1s\n", "with: {", "steps:\n", "  - id: x\n    uses: core.delay\n", "needs: [", "retry: { attempts: ", "timeout: 9999999999999d",
            "inputs:\n  a: { type: ", "pattern: \"(a+)+$\"", "maxLength: ", "default: ", "cron: \"", "type: cidr", "😀", "é",
        }.Select(Encoding.UTF8.GetBytes),
        [0xC3], [0xFF], [0xFE, 0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0x80],
    ];

    private static readonly byte[][] Shipped = ShippedWorkflows();

    private static readonly Gen<byte[]> Mutated =
        from file in Gen.Int[0, Shipped.Length - 1]
        from ops in Gen.Select(Gen.Int[0, 6], Gen.Double[0, 1], Gen.Int[1, 64], Gen.Int[0, Tokens.Length - 1], Gen.Byte).Array[1, 5]
        select Mutate(Shipped[file], ops);

    private static readonly Gen<byte[]> TokenSoup =
        Gen.Int[0, Tokens.Length - 1].Array[0, 120].Select(ids => ids.SelectMany(i => Tokens[i]).ToArray());

    private static readonly Gen<byte[]> RandomBytes = Gen.Byte.Array[0, 600];

    private static readonly Gen<byte[]> RandomText = Gen.Char.Array[0, 400].Select(cs => Encoding.UTF8.GetBytes(new string(cs)));

    private static readonly Gen<byte[]> AnyInput = Gen.Frequency((6, Mutated), (2, TokenSoup), (1, RandomBytes), (1, RandomText));

    [Fact]
    public void ShippedWorkflows_AreFound()
    {
        // The mutations start from these; an empty list would make the fuzz test vacuous.
        Assert.True(Shipped.Length >= 5, $"found {Shipped.Length} shipped workflows");
    }

    [Fact]
    public void Parse_EndsInDefinitionOrPositionedErrors_ForEveryFuzzedInput()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("WORKFLOWS_FUZZ_ITERATIONS"), out var iterations) && iterations > 0)
        {
            // On demand: random seeds on every core, failures shrunk by CsCheck (it prints the seed to replay).
            AnyInput.Sample(CheckOne, iter: iterations, writeLine: output.WriteLine, print: Describe);
            return;
        }

        // CI: the same inputs on every run.
        var seed = ulong.TryParse(Environment.GetEnvironmentVariable("WORKFLOWS_FUZZ_SEED"), out var s) ? s : 20261128UL;
        var pcg = new PCG(11, seed);
        var kinds = new Dictionary<string, int>();
        for (var i = 0; i < 2000; i++)
        {
            var input = AnyInput.Generate(pcg, null, out _);
            try
            {
                var outcome = CheckOne(input);
                kinds[outcome] = kinds.GetValueOrDefault(outcome) + 1;
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"input {i} of seed {seed} failed: {e}\ninput: {Describe(input)}");
            }
        }

        output.WriteLine(string.Join(", ", kinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key}: {k.Value}")));

        // The mix must reach past the YAML reader, or the test would only fuzz YamlDotNet.
        Assert.True(kinds.GetValueOrDefault("definition") + kinds.GetValueOrDefault("semantic errors") > 100, string.Join(", ", kinds));
    }

    [Fact]
    public void Parse_EndsInDefinitionOrPositionedErrors_ForEveryTruncationOfEveryShippedWorkflow()
    {
        foreach (var file in Shipped)
        {
            // Every 1/80th of the file: cuts inside keys, values, quotes, flow collections and expressions.
            for (var cut = 0; cut <= file.Length; cut += Math.Max(1, file.Length / 80))
            {
                CheckOne(file[..cut]);
            }
        }
    }

    private static string CheckOne(byte[] input)
    {
        var result = new DefinitionParser(Actions).Parse(File, input);
        if (result.Definition is not null)
        {
            Assert.Empty(result.Errors);
            return "definition";
        }

        Assert.NotEmpty(result.Errors);
        foreach (var e in result.Errors)
        {
            Assert.Equal(File, e.File);
            Assert.True(e.Line >= 1 && e.Column >= 1, $"no position: {e}");
            Assert.False(string.IsNullOrWhiteSpace(e.Message), $"no message: {e}");
            if (e.Message.Length > 1100)
            {
                Assert.Fail($"a message of {e.Message.Length} characters: {e.Message[..200]}…");
            }

            Assert.DoesNotContain("could not be checked (", e.Message, StringComparison.Ordinal); // the parser's own last-resort guard
        }

        return result.Errors.Any(e => e.Message.StartsWith("YAML syntax", StringComparison.Ordinal) || e.Field.Length == 0) ? "file errors" : "semantic errors";
    }

    private static byte[] Mutate(byte[] source, (int Kind, double At, int Length, int Token, byte Byte)[] ops)
    {
        var bytes = new List<byte>(source);
        foreach (var (kind, at, length, token, b) in ops)
        {
            var pos = (int)(at * bytes.Count);
            var len = Math.Min(length, bytes.Count - pos);
            switch (kind)
            {
                case 0: // truncate
                    bytes.RemoveRange(pos, bytes.Count - pos);
                    break;
                case 1: // delete a range
                    bytes.RemoveRange(pos, len);
                    break;
                case 2 or 3: // insert a token
                    bytes.InsertRange(pos, Tokens[token]);
                    break;
                case 4: // overwrite a byte
                    if (pos < bytes.Count)
                    {
                        bytes[pos] = b;
                    }

                    break;
                case 5: // duplicate a range elsewhere
                    var copy = bytes.GetRange(pos, len);
                    bytes.InsertRange((int)((1 - at) * bytes.Count), copy);
                    break;
                default: // swap a range with its neighbour
                    var first = bytes.GetRange(pos, len);
                    bytes.RemoveRange(pos, len);
                    bytes.InsertRange(Math.Min(bytes.Count, pos + len), first);
                    break;
            }
        }

        return [.. bytes];
    }

    private static string Describe(byte[] input) =>
        $"{input.Length} bytes, base64 {Convert.ToBase64String(input)}\n{Encoding.UTF8.GetString(input)}";

    private static byte[][] ShippedWorkflows()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var folder = Path.Combine(d.FullName, "workflows");
            if (System.IO.File.Exists(Path.Combine(d.FullName, "Workflows.sln")) && Directory.Exists(folder))
            {
                return [.. Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal).Select(System.IO.File.ReadAllBytes)];
            }
        }

        return [];
    }
}
