namespace FunctionsOpt.Benchmarks;

/// <summary>
/// A block of a generated markdown file that one benchmark scenario owns, between <c>&lt;!-- id:begin --&gt;</c> and
/// <c>&lt;!-- id:end --&gt;</c> lines, so that two scenarios can write one file without erasing each other.
/// </summary>
internal static class MarkdownSection
{
    /// <summary>The section's body (markers excluded), or null when the text has none.</summary>
    public static string? Extract(string text, string id)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (begin, end) = (Begin(id), End(id));
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = text.IndexOf(end, StringComparison.Ordinal);
        return start < 0 || stop < start ? null : text[(start + begin.Length)..stop].Trim('\n');
    }

    /// <summary>The text with the section's body replaced, or the section appended when absent.</summary>
    public static string Replace(string text, string id, string body)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (begin, end) = (Begin(id), End(id));
        var block = begin + "\n" + body.Trim('\n') + "\n" + end;
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = text.IndexOf(end, StringComparison.Ordinal);
        return start < 0 || stop < start
            ? text.TrimEnd('\n') + "\n\n" + block + "\n"
            : text[..start] + block + text[(stop + end.Length)..];
    }

    private static string Begin(string id) => $"<!-- {id}:begin -->";

    private static string End(string id) => $"<!-- {id}:end -->";
}
