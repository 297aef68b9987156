using JobPlatform.Contracts;

namespace JobPlatform.Worker.Sdk.Pipeline;

/// <summary>
/// What a running attempt's handler last said of its progress (<see cref="TaskContext.ReportProgress"/>).
/// Every heartbeat sends the latest, so a beat that failed loses nothing the next one does not carry.
/// </summary>
internal sealed class AttemptProgress : IProgress<TaskProgress>
{
    private TaskProgress? _latest;

    public TaskProgress? Latest => Volatile.Read(ref _latest);

    public void Report(TaskProgress value) => Volatile.Write(ref _latest, value);
}
