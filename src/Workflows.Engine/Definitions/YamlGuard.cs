using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Workflows.Abstractions.Runs;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Workflows.Engine.Definitions;

/// <summary>
/// Checks a definition file before it is loaded into a YAML tree: UTF-8 text without control
/// characters, one document, within <see cref="DefinitionLimits"/> (size, depth, nodes with aliases
/// expanded), mapping keys that are plain values, aliases that refer to an earlier anchor. Loading the
/// tree recurses per nesting level and the parser expands aliases, so these checks must come first.
/// </summary>
internal static class YamlGuard
{
    /// <summary>Decodes strict UTF-8 (a leading BOM is skipped), or returns an error at the first bad byte.</summary>
    public static string? Decode(string file, ReadOnlySpan<byte> bytes, out DefinitionError? error)
    {
        error = null;
        if (bytes.Length > DefinitionLimits.MaxFileBytes)
        {
            error = new DefinitionError(file, 1, 1, "", FormattableString.Invariant($"the file has {bytes.Length:N0} bytes; a definition may have at most {DefinitionLimits.MaxFileBytes:N0}"));
            return null;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        var chars = ArrayPool<char>.Shared.Rent(Math.Max(1, bytes.Length));
        try
        {
            var status = Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
            if (status == OperationStatus.Done)
            {
                return new string(chars, 0, written);
            }

            // Position of the first bad byte: lines count '\n', columns count characters.
            var before = bytes[..read];
            var lastNewline = before.LastIndexOf((byte)'\n');
            var line = before.Count((byte)'\n') + 1;
            var column = Encoding.UTF8.GetCharCount(before[(lastNewline + 1)..]) + 1;
            error = new DefinitionError(file, line, column, "", FormattableString.Invariant($"is not UTF-8 text: byte 0x{bytes[read]:X2} at offset {read:N0} is not valid UTF-8 (save the file as UTF-8; is it a binary file?)"));
            return null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>Returns the first problem that makes <paramref name="text"/> unsafe or impossible to load, or null.</summary>
    public static DefinitionError? Check(string file, string text)
    {
        if (text.Length > DefinitionLimits.MaxFileBytes)
        {
            return new DefinitionError(file, 1, 1, "", FormattableString.Invariant($"the file has {text.Length:N0} characters; a definition may have at most {DefinitionLimits.MaxFileBytes:N0} bytes"));
        }

        if (FindBadCharacter(file, text) is { } bad)
        {
            return bad;
        }

        var frames = new List<Frame>();
        var anchors = new Dictionary<string, Anchor>(StringComparer.Ordinal);
        var last = new Mark();
        long total = 0;
        var documents = 0;
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext())
            {
                var ev = parser.Current!;
                last = ev.Start;
                switch (ev)
                {
                    case DocumentStart:
                        if (++documents > 1)
                        {
                            return At(file, ev.Start, "holds a second YAML document (after '---'); a definition file holds one");
                        }

                        break;
                    case Scalar s:
                        if (Add(s.Anchor, 1, scalar: true) is { } e1)
                        {
                            return e1;
                        }

                        break;
                    case AnchorAlias a:
                        var name = a.Value.Value;
                        if (!anchors.TryGetValue(name, out var anchor))
                        {
                            return At(file, ev.Start, $"the alias '*{Cut(name)}' refers to no anchor '&{Cut(name)}' completed before it");
                        }

                        if (AtKey() && !anchor.Scalar)
                        {
                            return At(file, ev.Start, $"a mapping key must be a plain value, but the alias '*{Cut(name)}' is a list or mapping");
                        }

                        if (Add(AnchorName.Empty, anchor.Size, anchor.Scalar) is { } e2)
                        {
                            return e2;
                        }

                        break;
                    case MappingStart or SequenceStart:
                        if (AtKey())
                        {
                            return At(file, ev.Start, "a mapping key must be a plain value, not a list or mapping");
                        }

                        if (frames.Count >= DefinitionLimits.MaxDepth)
                        {
                            return At(file, ev.Start, $"lists and mappings are nested more than {DefinitionLimits.MaxDepth} levels deep");
                        }

                        frames.Add(new Frame(ev is MappingStart, ((NodeEvent)ev).Anchor));
                        break;
                    case MappingEnd or SequenceEnd:
                        var frame = frames[^1];
                        if (frame.Mapping && !frame.ExpectKey)
                        {
                            // YamlDotNet's parser can emit this (e.g. a last line ":" without a newline)
                            // and its tree loader then throws ArgumentException.
                            return At(file, frame.KeyAt, "YAML syntax: this mapping key has no value (look for a stray ':')");
                        }

                        frames.RemoveAt(frames.Count - 1);
                        if (Add(frame.Anchor, frame.Size + 1, scalar: false) is { } e3)
                        {
                            return e3;
                        }

                        break;
                }
            }
        }
        catch (YamlException e)
        {
            return At(file, e.Start, $"YAML syntax: {Inner(e).Message}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // YamlDotNet's scanner throws more than YamlException on some malformed input (e.g.
            // InvalidOperationException for an unclosed flow mapping at the end of a line); whatever
            // the YAML reader throws is a problem of the text. The last event read is the closest position.
            return At(file, last, $"YAML syntax: the YAML reader could not follow the text after this point ({e.GetType().Name}); look for an unclosed '{{', '[' or quote");
        }

        return null;

        bool AtKey() => frames.Count > 0 && frames[^1].Mapping && frames[^1].ExpectKey;

        DefinitionError? Add(AnchorName anchorName, long size, bool scalar)
        {
            total += size;
            if (total > DefinitionLimits.MaxNodes)
            {
                return At(file, last, FormattableString.Invariant($"the file expands to more than {DefinitionLimits.MaxNodes:N0} YAML nodes (aliases count as what they repeat)"));
            }

            if (!anchorName.IsEmpty)
            {
                anchors[anchorName.Value] = new Anchor(size, scalar);
            }

            if (frames.Count > 0)
            {
                var parent = frames[^1];
                parent.Size += size;
                if (parent.Mapping)
                {
                    if (parent.ExpectKey)
                    {
                        parent.KeyAt = last;
                    }

                    parent.ExpectKey = !parent.ExpectKey;
                }
            }

            return null;
        }
    }

    /// <summary>Cuts <paramref name="text"/> to a short prefix that is safe to put in a message.</summary>
    internal static string Cut(string text) => Abstractions.Definitions.InputRules.Preview(text);

    private static DefinitionError? FindBadCharacter(string file, string text)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                line++;
                lineStart = i + 1;
                continue;
            }

            string? what = null;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                what = $"a lone surrogate U+{(int)c:X4}";
            }
            else if ((c < 0x20 && c is not ('\t' or '\r')) || c == 0x7F || c is '\uFFFE' or '\uFFFF')
            {
                what = $"the control character U+{(int)c:X4}";
            }

            if (what is not null)
            {
                return new DefinitionError(file, line, i - lineStart + 1, "", $"contains {what}, which YAML does not allow (is it a binary file?)");
            }
        }

        return null;
    }

    private static DefinitionError At(string file, Mark mark, string message) =>
        new(file, (int)Math.Clamp(mark.Line, 1, int.MaxValue), (int)Math.Clamp(mark.Column, 1, int.MaxValue), "", message);

    private static Exception Inner(Exception e) => e.InnerException is YamlException ie ? Inner(ie) : e;

    private sealed class Frame(bool mapping, AnchorName anchor)
    {
        public bool Mapping { get; } = mapping;

        public AnchorName Anchor { get; } = anchor;

        public bool ExpectKey { get; set; } = true;

        public long Size { get; set; }

        public Mark KeyAt { get; set; }
    }

    private readonly record struct Anchor(long Size, bool Scalar);
}
