using System.Diagnostics;
using System.Runtime.InteropServices;
using CliWrap;

namespace JobPlatform.AppHost.Hosting;

/// <summary>How to launch one process, and the signal that asks it to stop (SIGTERM unless said).</summary>
internal sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments, string WorkingDirectory, IReadOnlyDictionary<string, string?> Environment)
{
    public PosixSignal StopSignal { get; init; } = PosixSignal.SIGTERM;
}

/// <summary>
/// Runs one process, pipes its output to the log under its name, and restarts it with exponential
/// backoff when it exits on its own. Stopping sends the process its stop signal, then kills it after
/// a grace period.
/// </summary>
internal sealed partial class SupervisedProcess(string name, ProcessSpec spec, ResourceLog log)
{
    /// <summary>The first restart waits this long; each next one twice as long.</summary>
    public static readonly TimeSpan FirstRestartDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait before a restart.</summary>
    public static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);

    /// <summary>A process that stays up this long has its backoff reset.</summary>
    public static readonly TimeSpan StableUptime = TimeSpan.FromSeconds(60);

    /// <summary>How long a stopping process gets after SIGINT before it is killed.</summary>
    public static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(8);

    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _forceful = new();
    private readonly TaskCompletionSource<int> _firstExit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;

    public string Name { get; } = name;

    public int? ProcessId { get; private set; }

    /// <summary>When the running process started; null while none runs.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    public int Restarts { get; private set; }

    /// <summary>Completes with the exit code if the first run ends before <see cref="MarkHealthy"/>.</summary>
    public Task<int> ExitedDuringStartup => _firstExit.Task;

    private bool _healthy;

    public void Start() => _loop = Task.Run(RunLoopAsync);

    /// <summary>From now on an exit means a crash to restart from, not a failed start.</summary>
    public void MarkHealthy() => _healthy = true;

    private async Task RunLoopAsync()
    {
        var consecutiveCrashes = 0;
        while (!_stopping.IsCancellationRequested)
        {
            var started = Stopwatch.StartNew();
            int exitCode;
            try
            {
                var task = Cli.Wrap(spec.FileName)
                    .WithArguments(spec.Arguments)
                    .WithWorkingDirectory(spec.WorkingDirectory)
                    .WithEnvironmentVariables(spec.Environment)
                    .WithStandardOutputPipe(PipeTarget.ToDelegate(line => log.Write(Name, line)))
                    .WithStandardErrorPipe(PipeTarget.ToDelegate(line => log.Write(Name, line)))
                    .WithValidation(CommandResultValidation.None)
                    .ExecuteAsync(_forceful.Token);
                ProcessId = task.ProcessId;
                StartedAt = DateTimeOffset.UtcNow;
                exitCode = (await task).ExitCode;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                log.Write(Name, $"could not start '{spec.FileName}': {ex.Message}");
                exitCode = -1;
            }
            ProcessId = null;
            StartedAt = null;

            if (_stopping.IsCancellationRequested)
            {
                break;
            }
            if (!_healthy)
            {
                _firstExit.TrySetResult(exitCode);
                return;
            }

            consecutiveCrashes = started.Elapsed >= StableUptime ? 1 : consecutiveCrashes + 1;
            var delay = TimeSpan.FromTicks(Math.Min(MaxRestartDelay.Ticks, FirstRestartDelay.Ticks << Math.Min(consecutiveCrashes - 1, 10)));
            Restarts++;
            log.Info(Name, $"exited with code {exitCode}; restarting in {delay.TotalSeconds:0} s (restart {Restarts})");
            try
            {
                await Task.Delay(delay, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>SIGKILLs the running process, as a crash would. The supervisor restarts it.</summary>
    public void Kill()
    {
        if (ProcessId is { } pid)
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Freezes (SIGSTOP) or thaws (SIGCONT) the process, as a long GC pause or a stalled VM would.</summary>
    public void Pause(bool paused)
    {
        const int SigStop = 19, SigCont = 18;
        if (ProcessId is { } pid)
        {
            _ = SendSignal(pid, paused ? SigStop : SigCont);
        }
    }

    /// <summary>Sends the process its stop signal, as an orchestrator's rolling restart would. The supervisor restarts it.</summary>
    public void Terminate()
    {
        if (ProcessId is { } pid)
        {
            _ = SendSignal(pid, SignalNumber(spec.StopSignal));
        }
    }

    public async Task StopAsync()
    {
        if (_loop is null)
        {
            return;
        }
        _stopping.Cancel();
        // Our own signal rather than CliWrap's SIGINT: a process started from a background shell
        // inherits SIGINT as ignored, and would then only stop when killed.
        if (ProcessId is { } pid)
        {
            _ = SendSignal(pid, SignalNumber(spec.StopSignal));
        }
        _forceful.CancelAfter(StopGracePeriod);
        await _loop;
    }

    private static int SignalNumber(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        PosixSignal.SIGTERM => 15,
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "Only SIGINT, SIGQUIT and SIGTERM stop a process."),
    };

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
