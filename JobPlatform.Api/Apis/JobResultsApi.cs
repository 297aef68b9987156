using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using JobPlatform.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace JobPlatform.Api.Apis;

/// <summary>
/// GET /api/v1/jobs/{id}/results: every task's outcome as NDJSON, in task order, streamed from one
/// query as PostgreSQL returns the rows, so a 100,000-task job's results never sit whole in memory.
/// </summary>
public static class JobResultsApi
{
    public const string ContentType = "application/x-ndjson";

    /// <summary>Lines written between flushes to the client.</summary>
    private const int FlushEvery = 500;

    public static async Task<Results<PushStreamHttpResult, ValidationProblem, ProblemHttpResult>> StreamResultsAsync(
        Guid id, int? after, [AsParameters] JobServices services, CancellationToken ct)
    {
        if (after is < -1)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["after"] = [$"after is the index of the last line read (0 or more), or -1 to start at the first task; it was {after}."],
            });
        }
        if (!await services.Db.Jobs.AnyAsync(j => j.Id == id, ct))
        {
            return JobsApi.JobNotFound(id);
        }

        var from = after ?? -1;
        return TypedResults.Stream(async body =>
        {
            var pipe = PipeWriter.Create(body);
            await using var writer = new Utf8JsonWriter(pipe);
            var lines = services.Db.Tasks.AsNoTracking()
                .Where(t => t.JobId == id && t.Index > from)
                .OrderBy(t => t.Index)
                .Select(t => new TaskResultLine(t.Index, t.Id, t.Status, t.Result, t.Error))
                .AsAsyncEnumerable();
            var written = 0;
            await foreach (var line in lines.WithCancellation(ct))
            {
                JsonSerializer.Serialize(writer, line, JsonSerializerOptions.Web);
                writer.Flush();
                writer.Reset();
                pipe.Write("\n"u8);
                if (++written % FlushEvery == 0)
                {
                    await pipe.FlushAsync(ct);
                }
            }
            await pipe.CompleteAsync();
        }, ContentType);
    }
}
