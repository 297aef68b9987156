using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Lifecycle;
using JobPlatform.Api.Services;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Apis;

/// <summary>What the job and task endpoints need, as one <c>[AsParameters]</c> bundle.</summary>
public sealed class JobServices(
    JobsDbContext db,
    Submission submission,
    JobCommands commands,
    WorkerProtocol protocol,
    TimeProvider clock,
    IOptions<TaskRetryOptions> retry,
    IOptions<TaskLeaseOptions> lease,
    ApiMetrics metrics,
    CurrentTenant tenant,
    ILogger<JobServices> logger)
{
    public JobsDbContext Db { get; } = db;
    public Submission Submission { get; } = submission;
    public JobCommands Commands { get; } = commands;
    public WorkerProtocol Protocol { get; } = protocol;
    public TimeProvider Clock { get; } = clock;
    public IOptions<TaskRetryOptions> Retry { get; } = retry;
    public IOptions<TaskLeaseOptions> Lease { get; } = lease;
    public ApiMetrics Metrics { get; } = metrics;

    /// <summary>The caller's tenant. Queries are filtered to it already; new jobs are stamped with it.</summary>
    public CurrentTenant Tenant { get; } = tenant;
    public ILogger<JobServices> Logger { get; } = logger;
}
