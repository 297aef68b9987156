using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using JobPlatform.Worker.Sdk;

namespace WordCount;

/// <param name="Results">A word-count job's results, as GET /api/v1/jobs/{id}/results streams them (one per line; jq -s makes them an array).</param>
public sealed record WordCountReduceInput(
    [property: Description("A word-count job's result lines, as GET /api/v1/jobs/{id}/results returns them.")]
    IReadOnlyList<WordCountResultLine> Results,
    [property: Description("How many of the most frequent words to keep (1 to 1000).")]
    [property: Range(1, 1000)]
    int Top = 20);

/// <summary>One line of GET /jobs/{id}/results: a task's index, status and, when it succeeded, its result.</summary>
public sealed record WordCountResultLine(int Index, Guid TaskId, string Status, WordCountResult? Result, string? Error);

/// <param name="Files">The files counted (the tasks that succeeded).</param>
/// <param name="Failed">The tasks that did not succeed, by index.</param>
/// <param name="Words">All the words of those files.</param>
public sealed record WordCountReduceResult(int Files, IReadOnlyList<int> Failed, long Words, IReadOnlyList<WordFrequency> Top);

/// <summary>
/// The reduce step a second job runs on the first job's results. Each file's result keeps its top
/// words only, so a word that is frequent overall but in no file's top list is undercounted: ask
/// the first job for a larger <c>top</c> when that matters.
/// </summary>
public sealed class WordCountReduceHandler : ITaskHandler<WordCountReduceInput, WordCountReduceResult>
{
    public const string Type = "word-count-reduce";

    public Task<WordCountReduceResult> HandleAsync(WordCountReduceInput input, TaskContext context, CancellationToken ct)
    {
        var counted = input.Results.Where(line => line.Result is not null && line.Status == "succeeded").ToList();
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var frequency in counted.SelectMany(line => line.Result!.Counts))
        {
            totals[frequency.Word] = totals.GetValueOrDefault(frequency.Word) + frequency.Count;
        }
        var failed = input.Results.Where(line => !counted.Contains(line)).Select(line => line.Index).Order().ToList();
        return Task.FromResult(new WordCountReduceResult(counted.Count, failed, counted.Sum(line => line.Result!.Words), WordCountHandler.Top(totals, input.Top)));
    }
}
