using System.Collections.Concurrent;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// Every output line of every process, prefixed with its resource's name (coloured on a terminal),
/// and the last lines of each kept to explain a failure.
/// </summary>
internal sealed class ResourceLog(Action<string, string>? sink)
{
    private const int KeptLinesPerSource = 40;
    private const int PrefixWidth = 10;

    private static readonly string[] Colours = ["\e[36m", "\e[33m", "\e[35m", "\e[32m", "\e[34m", "\e[96m", "\e[93m", "\e[95m"];
    private static readonly bool UseColour = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;

    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _recent = new();
    private readonly ConcurrentDictionary<string, string> _colours = new();
    private readonly Lock _console = new();

    public void Write(string source, string line)
    {
        var recent = _recent.GetOrAdd(source, _ => new ConcurrentQueue<string>());
        recent.Enqueue(line);
        while (recent.Count > KeptLinesPerSource && recent.TryDequeue(out _))
        {
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
    public void Info(string source, string message) => Write("apphost", $"{source}: {message}");

    public string Recent(string source) =>
        _recent.TryGetValue(source, out var lines) && !lines.IsEmpty
            ? string.Join(Environment.NewLine, lines.Select(l => $"    {l}"))
            : "    (no output)";
}
