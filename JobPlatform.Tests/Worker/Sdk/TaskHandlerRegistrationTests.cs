using System.Text.Json.Nodes;
using JobPlatform.Contracts;
using JobPlatform.Worker.Sdk;
using JobPlatform.Worker.Sdk.Handlers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JobPlatform.Tests.Worker.Sdk;

/// <summary>Registering handlers with <c>AddJobPlatformWorker().AddTaskHandler</c>, and running one as the pipeline does.</summary>
public sealed class TaskHandlerRegistrationTests
{
    public sealed record ResizeInput(int Width = 640);

    public sealed record ResizeResult(int Width, int TaskIndex, string? TenantId);

    public sealed class ResizeImage : ITaskHandler<ResizeInput, ResizeResult>
    {
        public Task<ResizeResult> HandleAsync(ResizeInput input, TaskContext context, CancellationToken ct)
        {
            context.ReportProgress(0.5, "halfway");
            context.ReportProgress(null, new string('x', TaskProgress.MaxMessageLength + 50));
            Assert.Throws<ArgumentOutOfRangeException>(() => context.ReportProgress(1.5));
            return Task.FromResult(new ResizeResult(input.Width, context.TaskIndex, context.TenantId));
        }
    }

    public sealed class OtherResize : ITaskHandler<ResizeInput, ResizeResult>
    {
        public Task<ResizeResult> HandleAsync(ResizeInput input, TaskContext context, CancellationToken ct) => throw new NotSupportedException();
    }

    public sealed class NotAHandler;

    [Fact]
    public void SameTypeTwice_IsRefusedAtStartup_NamingTheTypeAndBothHandlers()
    {
        var worker = WorkerBuilder().AddJobPlatformWorker().AddTaskHandler<ResizeImage>("resize-image");

        var error = Assert.Throws<InvalidOperationException>(() => worker.AddTaskHandler<OtherResize>("resize-image"));

        Assert.Contains("'resize-image' already has a handler, ResizeImage", error.Message);
        Assert.Contains("OtherResize", error.Message);
    }

    [Fact]
    public void SameTypeTwice_IsRefused_EvenThroughASecondAddJobPlatformWorker()
    {
        var builder = WorkerBuilder();
        builder.AddJobPlatformWorker().AddTaskHandler<ResizeImage>("resize-image");

        Assert.Throws<InvalidOperationException>(() => builder.AddJobPlatformWorker().AddTaskHandler<ResizeImage>("resize-image"));
    }

    [Fact]
    public void AClassThatIsNoHandler_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => WorkerBuilder().AddJobPlatformWorker().AddTaskHandler<NotAHandler>("resize-image"));

        Assert.Contains("NotAHandler", error.Message);
        Assert.Contains("ITaskHandler<TInput, TResult>", error.Message);
    }

    [Fact]
    public async Task ARegisteredHandler_RunsOnTheGrantsTypedInput_InAScopeOfItsOwn_AndItsResultIsJson()
    {
        var builder = WorkerBuilder();
        builder.AddJobPlatformWorker()
            .AddTaskHandler<ResizeImage>("resize-image", o => o.NonRetryable<ArgumentException>());
        await using var services = builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });

        var registration = Assert.Single(services.GetServices<TaskHandlerRegistration>());
        await using var attempt = services.CreateAsyncScope();
        var progress = new Progress();
        var result = await registration.RunAsync(attempt.ServiceProvider, Grant("resize-image", new JsonObject { ["width"] = 100 }), progress, CancellationToken.None);

        Assert.Equal("resize-image", registration.Type);
        Assert.True(registration.Options.IsNonRetryable(new ArgumentNullException()));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"width":100,"taskIndex":7,"tenantId":"acme"}"""), result), result?.ToJsonString());
        // What the handler said of its progress reaches the attempt's sink; a long message is cut.
        Assert.Equal([new TaskProgress(0.5, "halfway"), new TaskProgress(null, new string('x', TaskProgress.MaxMessageLength))], progress.Reports);
    }

    private sealed class Progress : IProgress<TaskProgress>
    {
        public List<TaskProgress> Reports { get; } = [];

        public void Report(TaskProgress value) => Reports.Add(value);
    }

    [Theory]
    [InlineData("Resize Image")]
    [InlineData("-resize")]
    [InlineData("résumé")]
    public void ATypeNameTheApiWouldRefuse_IsRefusedAtStartup(string type)
    {
        var error = Assert.Throws<ArgumentException>(() => WorkerBuilder().AddJobPlatformWorker().AddTaskHandler<ResizeImage>(type));

        Assert.Contains("lower-case letters, digits", error.Message);
    }

    [Fact]
    public void MaxAttemptsOutsideTheApisRange_IsRefusedAtStartup()
    {
        Assert.Throws<ArgumentException>(() => WorkerBuilder().AddJobPlatformWorker().AddTaskHandler<ResizeImage>("resize-image", o => o.MaxAttempts = 0));
        Assert.Throws<ArgumentException>(() => WorkerBuilder().AddJobPlatformWorker().AddTaskHandler<ResizeImage>("resize-image", o => o.MaxAttempts = JobLimits.MaxMaxAttempts + 1));
    }

    [Theory]
    [InlineData(null, "http://api/")]
    [InlineData("http://localhost:5080", "http://localhost:5080/")]
    public async Task TheApisAddress_IsWorkerApiUrl_ByDefaultTheOneServiceDiscoveryResolves(string? apiUrl, string expected)
    {
        var builder = WorkerBuilder();
        if (apiUrl is not null)
        {
            builder.Configuration.AddInMemoryCollection([new("Worker:ApiUrl", apiUrl)]);
        }
        builder.AddJobPlatformWorker().AddTaskHandler<ResizeImage>("resize-image");
        await using var services = builder.Services.BuildServiceProvider();

        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(JobPlatformApiClient));

        Assert.Equal(expected, http.BaseAddress?.ToString());
    }

    [Fact]
    public async Task AnApiUrlThatIsNotAnAddress_StopsTheWorkerAtStartup()
    {
        var builder = WorkerBuilder();
        builder.Configuration.AddInMemoryCollection([new("Worker:ApiUrl", "localhost:5080")]);
        builder.AddJobPlatformWorker().AddTaskHandler<ResizeImage>("resize-image");
        await using var services = builder.Services.BuildServiceProvider();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WorkerOptions>>().Value);
        Assert.Contains("Worker:ApiUrl", error.Message);
    }

    private static HostApplicationBuilder WorkerBuilder()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([new("Auth:WorkerKey", "test-key")]);
        return builder;
    }

    private static TaskGrant Grant(string type, JsonObject input) =>
        new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Index: 7, Attempt: 1, MaxAttempts: 3, type, input, DateTimeOffset.UtcNow.AddSeconds(30), TenantId: "acme");
}
