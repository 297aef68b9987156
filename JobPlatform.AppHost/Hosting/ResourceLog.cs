using System.Collections.Concurrent;

namespace JobPlatform.AppHost.Hosting;

/// <summary>One output line of a process (or of the AppHost about it), numbered in the order the AppHost received it.</summary>
public sealed record ConsoleLine(long Seq, string Source, DateTimeOffset Time, string Text);

/// <summary>Lines read, and the number of the newest line of any source when they were: where the next read starts.</summary>
public sealed record ConsoleRead(IReadOnlyList<ConsoleLine> Lines, long LastSeq);

/// <summary>
/// Every output line of every process, prefixed with its source's name (coloured on a terminal), and
/// the last <see cref="KeptLinesPerSource"/> of each kept: the dashboard's console reads them, and a
/// failure quotes the last few.
/// </summary>
internal sealed class ResourceLog(Action<string, string>? sink)
{
    /// <summary>Lines kept per source (a process, or the AppHost); the oldest go first. Defaults to 2,000.</summary>
    public const int KeptLinesPerSource = 2_000;

    /// <summary>The most characters kept of one line; the terminal still gets all of it. Defaults to 8,192.</summary>
    public const int MaxKeptLineLength = 8_192;

    /// <summary>The source of the AppHost's own lines.</summary>
    public const string AppHostSource = "apphost";

    private const int LinesQuotedOnFailure = 40;
    private const int PrefixWidth = 10;

    private static readonly string[] Colours = ["\e[36m", "\e[33m", "\e[35m", "\e[32m", "\e[34m", "\e[96m", "\e[93m", "\e[95m"];
    private static readonly bool UseColour = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;

    // One lock for numbering and keeping, so that a reader who has seen line n has seen every line
    // before it, whichever source it came from: the console polls with "after n" and must miss none.
    private readonly Lock _keep = new();
    private readonly Dictionary<string, Queue<ConsoleLine>> _kept = [];
    private long _seq;

    private readonly ConcurrentDictionary<string, string> _colours = new();
    private readonly Lock _console = new();

    public void Write(string source, string line)
    {
        lock (_keep)
        {
            if (!_kept.TryGetValue(source, out var lines))
            {
                _kept[source] = lines = new Queue<ConsoleLine>();
            }
            lines.Enqueue(new ConsoleLine(++_seq, source, DateTimeOffset.UtcNow, line.Length <= MaxKeptLineLength ? line : line[..MaxKeptLineLength]));
            if (lines.Count > KeptLinesPerSource)
            {
                lines.Dequeue();
            }
        }

        if (sink is not null)
        {
            sink(source, line);
            return;
        }
        var prefix = source.PadRight(PrefixWidth);
        lock (_console)
        {
            if (UseColour)
            {
                var colour = _colours.GetOrAdd(source.Split('-')[0], _ => Colours[_colours.Count % Colours.Length]);
                Console.Out.WriteLine($"{colour}{prefix}\e[0m | {line}");
            }
            else
            {
                Console.Out.WriteLine($"{prefix} | {line}");
            }
        }
    }

    /// <summary>A line from the AppHost itself about a resource.</summary>
    public void Info(string source, string message) => Write(AppHostSource, $"{source}: {message}");

    /// <summary>
    /// The newest <paramref name="limit"/> kept lines of <paramref name="sources"/> numbered after
    /// <paramref name="after"/> that contain <paramref name="text"/> (any case), oldest first.
    /// </summary>
    public ConsoleRead Read(IReadOnlyCollection<string> sources, long after = 0, string? text = null, int limit = 500)
    {
        var found = new List<ConsoleLine>();
        long last;
        lock (_keep)
        {
            last = _seq;
            foreach (var source in sources)
            {
                if (_kept.TryGetValue(source, out var lines))
                {
                    found.AddRange(lines.Where(l => l.Seq > after && (text is null || l.Text.Contains(text, StringComparison.OrdinalIgnoreCase))));
                }
            }
        }
        found.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        return new ConsoleRead(found.Count <= limit ? found : found[^limit..], last);
    }

    /// <summary>The last lines of <paramref name="source"/>, indented, to explain why it failed.</summary>
    public string Recent(string source)
    {
        var lines = Read([source], limit: LinesQuotedOnFailure).Lines;
        return lines.Count > 0
            ? string.Join(Environment.NewLine, lines.Select(l => $"    {l.Text}"))
            : "    (no output)";
    }
}
