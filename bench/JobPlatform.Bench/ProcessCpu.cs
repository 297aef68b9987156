using System.Globalization;

namespace JobPlatform.Bench;

/// <summary>
/// CPU time a process and everything below it used, from /proc: user plus system time of every live
/// process in the tree, plus what each has collected from children it already reaped (PostgreSQL's
/// backends come and go under the postmaster). A machine-independent-ish figure: seconds of CPU per
/// unit of work, which the noise of a shared machine moves far less than throughput.
/// </summary>
public static class ProcessCpu
{
    // The kernel's USER_HZ, which /proc/{pid}/stat counts in; 100 on every Linux .NET supports.
    private const double TicksPerSecond = 100;

    public static double Seconds(int rootPid)
    {
        var processes = new Dictionary<int, (int Parent, long Own, long Reaped)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } stat)
            {
                processes[pid] = stat;
            }
        }
        var children = processes.ToLookup(p => p.Value.Parent, p => p.Key);
        var total = 0L;
        var pending = new Stack<int>([rootPid]);
        while (pending.TryPop(out var pid))
        {
            if (processes.TryGetValue(pid, out var process))
            {
                total += process.Own + process.Reaped;
            }
            foreach (var child in children[pid])
            {
                pending.Push(child);
            }
        }
        return total / TicksPerSecond;
    }

    public static double Seconds(IEnumerable<int> rootPids) => rootPids.Sum(Seconds);

    /// <summary>This process alone, without the graph it started.</summary>
    public static double OwnSeconds() => Read(Environment.ProcessId) is { } self ? self.Own / TicksPerSecond : 0;

    private static (int Parent, long Own, long Reaped)? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null; // gone meanwhile
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17): comm may hold spaces and parentheses.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return (int.Parse(fields[1], CultureInfo.InvariantCulture), Field(14) + Field(15), Field(16) + Field(17));
    }
}
