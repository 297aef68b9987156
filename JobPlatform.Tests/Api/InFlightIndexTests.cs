using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Services;
using Microsoft.EntityFrameworkCore;

namespace JobPlatform.Tests.Api;

/// <summary>
/// The relay counts each tenant's tasks in flight on every batch, through a partial index whose
/// predicate the query must repeat word for word: PostgreSQL uses a partial index only when it can
/// prove the query's condition implies the index's.
/// </summary>
public sealed class InFlightIndexTests
{
    [Fact]
    public void TheInFlightIndex_CoversExactlyTheStatesTheQuotaCounts()
    {
        using var db = new JobsDbContext(
            new DbContextOptionsBuilder<JobsDbContext>().UseNpgsql("Host=localhost;Database=jobsdb").UseSnakeCaseNamingConvention().Options,
            new CurrentTenant(new Microsoft.AspNetCore.Http.HttpContextAccessor()));
        var index = db.Model.FindEntityType(typeof(JobTask))!.GetIndexes().Single(i => i.GetDatabaseName() == "ix_tasks_in_flight");
        var expected = $"status IN ({string.Join(", ", OutboxRelay.InFlight.Select(s => $"'{s}'"))})";
        Assert.Equal(expected, index.GetFilter());
        Assert.Contains(expected, OutboxRelay.FreeRoomSql);
    }
}
