using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JobPlatform.Tests.ServiceDefaults;

/// <summary>The one policy of every background loop: go on after a backoff; a service that ends in failure all the same ends the process with 1.</summary>
public sealed class BackgroundFailureTests
{
    [Fact]
    public void Backoff_DoublesFromFirstUpToLongest_WithJitterInTheUpperHalf_AndStartsOverAfterASuccess()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        foreach (var ceiling in new[] { 1, 2, 4, 8, 10, 10, 10 })
        {
            var delay = backoff.Failed();
            Assert.InRange(delay.TotalSeconds, ceiling / 2.0, ceiling);
        }
        Assert.Equal(7, backoff.Failures);
        Assert.Equal(7, backoff.Succeeded());
        Assert.Equal(0, backoff.Succeeded());
        Assert.InRange(backoff.Failed().TotalSeconds, 0.5, 1);
    }

    [Fact]
    public async Task RunServiceAsync_ExitsOne_WhenABackgroundServiceFails_AndZeroWhenTheHostIsStopped()
    {
        var failing = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        failing.Services.AddHostedService<FailingService>();
        using (var host = failing.Build())
        {
            Assert.Equal(1, await host.RunServiceAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        }

        var healthy = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        healthy.Services.AddHostedService<IdleService>();
        using var stopped = healthy.Build();
        // Stopped as soon as it has started, as SIGTERM would.
        var lifetime = stopped.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(lifetime.StopApplication);
        var run = stopped.RunServiceAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private sealed class FailingService : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            // Asynchronously, as a loop's failure would come: a synchronous throw fails the host's start instead.
            await Task.Yield();
            throw new InvalidOperationException("a bug outside any loop");
        }
    }

    private sealed class IdleService : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Delay(Timeout.Infinite, stoppingToken);
    }
}
