using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using JobPlatform.Worker.Sdk;
using Microsoft.Extensions.Options;

namespace WordCount;

/// <summary>Where the files are. Bound from <c>WordCount</c>.</summary>
public sealed class WordCountOptions
{
    public const string SectionName = "WordCount";

    /// <summary>The folder a task's path is read under; no path may leave it. Defaults to the texts beside the worker.</summary>
    public string Root { get; set; } = Path.Combine(AppContext.BaseDirectory, "texts");
}

public sealed record WordCountInput(
    [property: Description("The text file's path, relative to the worker's WordCount:Root folder, e.g. harbour.txt.")]
    string Path,
    [property: Description("How many of the most frequent words the result keeps (1 to 1000).")]
    [property: Range(1, 1000)]
    int Top = 100);

/// <param name="Counts">The most frequent words and their counts, most frequent first.</param>
public sealed record WordCountResult(string Path, long Bytes, string Sha256, int Lines, long Words, IReadOnlyList<WordFrequency> Counts);

public sealed record WordFrequency(string Word, long Count);

/// <summary>Counts one file's words: lower-cased runs of letters, digits and apostrophes.</summary>
public sealed partial class WordCountHandler(IOptions<WordCountOptions> options) : ITaskHandler<WordCountInput, WordCountResult>
{
    public const string Type = "word-count";
    public const string Queue = "text";

    public async Task<WordCountResult> HandleAsync(WordCountInput input, TaskContext context, CancellationToken ct)
    {
        var root = Path.GetFullPath(options.Value.Root);
        var file = Path.GetFullPath(Path.Combine(root, input.Path));
        if (!file.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new NonRetryableTaskException($"'{input.Path}' is outside the worker's text folder.");
        }
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"'{input.Path}' is not a file in the worker's text folder.", input.Path);
        }

        var bytes = await File.ReadAllBytesAsync(file, ct);
        var lines = Encoding.UTF8.GetString(bytes).Split('\n');
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long words = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            foreach (var match in Word().EnumerateMatches(lines[i]))
            {
                var word = lines[i].Substring(match.Index, match.Length).ToLowerInvariant();
                counts[word] = counts.GetValueOrDefault(word) + 1;
                words++;
            }
            if (i % 1000 == 999)
            {
                context.ReportProgress((double)(i + 1) / lines.Length, $"{i + 1:N0} of {lines.Length:N0} lines");
            }
        }
        context.Logger.LogInformation("Counted {Words} words in {Path}", words, input.Path);
        return new WordCountResult(input.Path, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)), lines.Length, words, Top(counts, input.Top));
    }

    internal static List<WordFrequency> Top(IEnumerable<KeyValuePair<string, long>> counts, int top) =>
        counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(top).Select(c => new WordFrequency(c.Key, c.Value)).ToList();

    [GeneratedRegex(@"[\p{L}\p{N}']+")]
    private static partial Regex Word();
}
