using System.Text.Json;
using JobPlatform.Client;
using Spectre.Console;

namespace JobPlatform.Cli;

/// <summary>
/// How a command prints: JSON with <c>--json</c>; tab-separated lines with a header when stdout is
/// not a terminal (a pipe, a file), for scripts; tables and colours on a terminal.
/// </summary>
public sealed class Output(bool json)
{
    private static readonly JsonSerializerOptions Indented = new(JobPlatformJson.Options) { WriteIndented = true };

    public bool Json { get; } = json;

    /// <summary>Whether stdout is a pipe or a file rather than a terminal.</summary>
    public static bool Plain => Console.IsOutputRedirected;

    public void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Indented));

    /// <summary>One line of JSON, for streams of values (NDJSON).</summary>
    public void WriteJsonLine<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, JobPlatformJson.Options));

    /// <summary>One value: its JSON with <c>--json</c>, else <paramref name="text"/> for people.</summary>
    public void WriteValue<T>(T value, string text)
    {
        if (Json)
        {
            WriteJson(value);
        }
        else
        {
            WriteLine(text);
        }
    }

    /// <summary>A list: its JSON with <c>--json</c>, else a table of one row per item.</summary>
    public void WriteList<T>(IReadOnlyList<T> items, IReadOnlyList<string> headers, Func<T, IReadOnlyList<string>> row)
    {
        if (Json)
        {
            WriteJson(items);
        }
        else
        {
            WriteTable(headers, items.Select(row));
        }
    }

    public void WriteTable(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        if (Plain)
        {
            Console.Out.WriteLine(string.Join('\t', headers));
            foreach (var row in rows)
            {
                Console.Out.WriteLine(string.Join('\t', row.Select(cell => cell.Replace('\t', ' ').Replace('\n', ' '))));
            }
            return;
        }
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn($"[bold]{Markup.Escape(header)}[/]"));
        }
        foreach (var row in rows)
        {
            table.AddRow(row.Select(cell => (Spectre.Console.Rendering.IRenderable)new Text(cell)).ToArray());
        }
        AnsiConsole.Write(table);
    }

    /// <summary>Name and value pairs: <c>name: value</c> lines when plain, a grid on a terminal.</summary>
    public void WriteFields(IEnumerable<(string Name, string? Value)> fields)
    {
        if (Plain)
        {
            foreach (var (name, value) in fields)
            {
                Console.Out.WriteLine($"{name}: {value}");
            }
            return;
        }
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var (name, value) in fields)
        {
            grid.AddRow(new Markup($"[grey]{Markup.Escape(name)}[/]"), new Text(value ?? ""));
        }
        AnsiConsole.Write(grid);
    }

    /// <summary>A line for people (a terminal) or scripts alike.</summary>
    public void WriteLine(string text) => Console.Out.WriteLine(text);

    /// <summary>What went wrong, on stderr, from the Api's problem document: never a stack trace.</summary>
    public static void WriteError(JobPlatformApiException problem)
    {
        var error = Console.Error;
        error.WriteLine($"jp: {(int)problem.StatusCode} {problem.Title}");
        if (!string.IsNullOrWhiteSpace(problem.Detail))
        {
            error.WriteLine($"  {problem.Detail}");
        }
        foreach (var (field, messages) in problem.Errors)
        {
            foreach (var message in messages)
            {
                error.WriteLine($"  {field}: {message}");
            }
        }
        if (problem.RetryAfter is { } retryAfter)
        {
            error.WriteLine($"  Retry after {Math.Ceiling(retryAfter.TotalSeconds)} s.");
        }
        if (problem.TraceId is { } trace)
        {
            error.WriteLine($"  Trace: {trace}");
        }
    }

    public static void WriteError(string message) => Console.Error.WriteLine($"jp: {message}");
}
