using System.Diagnostics;
using JobPlatform.AppHost.Testing;

namespace JobPlatform.Bench.Soak;

/// <summary>The faults a soak injects, each through the graph's own handles on its processes.</summary>
public enum FaultKind
{
    /// <summary>SIGKILL of a worker replica, as a crash or an OOM kill; the AppHost's supervisor starts it again.</summary>
    WorkerKill,

    /// <summary>SIGSTOP of a worker replica for the window, then SIGCONT: it hangs holding its tasks and leases.</summary>
    WorkerPause,

    /// <summary>The SQS emulator stopped for the window and started again; in memory, its messages are gone.</summary>
    EmulatorRestart,

    /// <summary>PostgreSQL stopped for the window and started again.</summary>
    PostgresRestart,

    /// <summary>PostgreSQL SIGSTOPped for the window: connections open, nothing answered.</summary>
    PostgresHang,

    /// <summary>The Api SIGSTOPped for the window: requests connect and wait.</summary>
    ApiStall,
}

/// <summary>When one fault was in force: from its injection until it was undone and the graph had it back.</summary>
public sealed record FaultWindow(FaultKind Kind, string Target, TimeSpan Start, TimeSpan End);

/// <summary>
/// Injects one fault at a time, at random intervals, until told to stop; every fault is undone before
/// the next, and before <see cref="RunAsync"/> returns, whatever happens.
/// </summary>
public sealed class FaultInjector(RunningGraph graph, SoakOptions options, Random random, Stopwatch clock, TextWriter progress)
{
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(90);
    private readonly List<FaultWindow> _windows = [];

    public IReadOnlyList<FaultWindow> Windows
    {
        get
        {
            lock (_windows)
            {
                return [.. _windows];
            }
        }
    }

    public static string Describe(FaultKind kind) => kind switch
    {
        FaultKind.WorkerKill => "worker SIGKILL",
        FaultKind.WorkerPause => "worker SIGSTOP",
        FaultKind.EmulatorRestart => "SQS emulator restart",
        FaultKind.PostgresRestart => "PostgreSQL restart",
        FaultKind.PostgresHang => "PostgreSQL SIGSTOP",
        FaultKind.ApiStall => "Api SIGSTOP",
        _ => kind.ToString(),
    };

    public async Task RunAsync(CancellationToken stop)
    {
        var deck = new Queue<FaultKind>();
        while (true)
        {
            try
            {
                await Task.Delay(Between(options.FaultGapMin, options.FaultGapMax), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            if (deck.Count == 0)
            {
                foreach (var kind in options.Faults.OrderBy(_ => random.Next()))
                {
                    deck.Enqueue(kind);
                }
            }
            // Not cancelled by the end of the run: a fault begun is always undone.
            await InjectAsync(deck.Dequeue());
        }
    }

    private async Task InjectAsync(FaultKind kind)
    {
        var window = Between(options.FaultWindowMin, options.FaultWindowMax);
        var start = clock.Elapsed;
        string target;
        switch (kind)
        {
            case FaultKind.WorkerKill:
                var victim = Pick(graph.GetResource("worker").Replicas.Where(r => r.ProcessId is not null).ToList());
                target = victim.Name;
                var (pid, restarts) = (victim.ProcessId, victim.Restarts);
                await victim.KillAsync();
                // Over when the supervisor has a new process running in its place.
                await UntilAsync(() => victim.Restarts > restarts && victim.ProcessId is { } now && now != pid, $"{victim.Name} was not restarted");
                break;
            case FaultKind.WorkerPause:
                var paused = Pick(graph.GetResource("worker").Replicas.Where(r => r.ProcessId is not null).ToList());
                target = paused.Name;
                await HoldAsync(paused.PauseAsync, paused.ResumeAsync, window);
                break;
            case FaultKind.EmulatorRestart:
                await RestartAsync(graph.GetResource("sqs"), window);
                target = "sqs";
                break;
            case FaultKind.PostgresRestart:
                await RestartAsync(graph.GetResource("postgres"), window);
                // The restart ended every pooled connection of this process too (the suite's, when the soak runs in it).
                Npgsql.NpgsqlConnection.ClearAllPools();
                target = "postgres";
                break;
            case FaultKind.PostgresHang:
                var postgres = graph.GetResource("postgres").Replicas.Single();
                target = postgres.Name;
                await HoldAsync(postgres.PauseAsync, postgres.ResumeAsync, window);
                break;
            case FaultKind.ApiStall:
                var api = graph.GetResource("api").Replicas.Single();
                target = api.Name;
                await HoldAsync(api.PauseAsync, api.ResumeAsync, window);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        var fault = new FaultWindow(kind, target, start, clock.Elapsed);
        lock (_windows)
        {
            _windows.Add(fault);
        }
        progress.WriteLine($"  {fault.Start:mm\\:ss} {Describe(kind)} ({target}) for {(fault.End - fault.Start).TotalSeconds:N1} s");
    }

    private static async Task RestartAsync(GraphResource resource, TimeSpan window)
    {
        using var timeout = new CancellationTokenSource(RecoveryTimeout);
        await HoldAsync(() => resource.StopAsync(timeout.Token), () => resource.StartAsync(timeout.Token), window);
    }

    private static async Task HoldAsync(Func<Task> inject, Func<Task> undo, TimeSpan window)
    {
        await inject();
        try
        {
            await Task.Delay(window);
        }
        finally
        {
            await undo();
        }
    }

    private static async Task UntilAsync(Func<bool> done, string failure)
    {
        var deadline = Stopwatch.StartNew();
        while (!done())
        {
            if (deadline.Elapsed > RecoveryTimeout)
            {
                throw new TimeoutException($"{failure} within {RecoveryTimeout.TotalSeconds} s.");
            }
            await Task.Delay(100);
        }
    }

    private T Pick<T>(IReadOnlyList<T> items) => items.Count > 0
        ? items[random.Next(items.Count)]
        : throw new InvalidOperationException("No running replica to inject a fault into.");

    private TimeSpan Between(TimeSpan min, TimeSpan max) => min + (max - min) * random.NextDouble();
}
