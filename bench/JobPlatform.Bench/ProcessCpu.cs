using System.Globalization;

namespace JobPlatform.Bench;

/// <summary>
/// CPU time process trees have used, from one reading of /proc: user plus system time of every live
/// process in a tree, plus what each has collected from children it already reaped (PostgreSQL's
/// backends come and go under the postmaster). Seconds of CPU per unit of work move far less with
/// the noise of a shared machine than throughput does.
/// </summary>
public sealed class ProcessCpu
{
    // The kernel's USER_HZ, which /proc/{pid}/stat counts in; 100 on every Linux .NET supports.
    private const double TicksPerSecond = 100;

    private readonly Dictionary<int, (int Parent, long Own, long Reaped)> _processes = [];
    private readonly ILookup<int, int> _children;

    private ProcessCpu()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } stat)
            {
                _processes[pid] = stat;
            }
        }
        _children = _processes.ToLookup(p => p.Value.Parent, p => p.Key);
    }

    /// <summary>Reads every process's CPU time now.</summary>
    public static ProcessCpu Now() => new();

    /// <summary>The CPU seconds of these processes and everything below them.</summary>
    public double Seconds(IEnumerable<int> rootPids)
    {
        var total = 0L;
        var pending = new Stack<int>(rootPids);
        while (pending.TryPop(out var pid))
        {
            if (_processes.TryGetValue(pid, out var process))
            {
                total += process.Own + process.Reaped;
            }
            foreach (var child in _children[pid])
            {
                pending.Push(child);
            }
        }
        return total / TicksPerSecond;
    }

    /// <summary>This process alone, without the graph it started.</summary>
    public double OwnSeconds() => _processes.TryGetValue(Environment.ProcessId, out var self) ? self.Own / TicksPerSecond : 0;

    private static (int Parent, long Own, long Reaped)? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // gone meanwhile
        }
        // pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17): comm may hold spaces and parentheses.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return (int.Parse(fields[1], CultureInfo.InvariantCulture), Field(14) + Field(15), Field(16) + Field(17));
    }
}
