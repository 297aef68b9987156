using System.Globalization;
using System.Runtime.InteropServices;

namespace JobPlatform.AppHost.Testing;

/// <summary>Processes as /proc shows them: which program runs beneath a launcher, and signals to it.</summary>
internal static partial class ProcessTree
{
    public enum Signal
    {
        Kill = 9,
        Terminate = 15,
        Continue = 18,
        Stop = 19,
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    /// <summary>
    /// The program a launcher process runs: Aspire starts a project as <c>dotnet run</c>, whose only
    /// child is the service itself. A process with no children is its own program.
    /// </summary>
    public static int Program(int pid)
    {
        try
        {
            var children = Children(pid);
            return children.Count == 1 && IsDotnetRun(pid) ? children[0] : pid;
        }
        catch (DirectoryNotFoundException)
        {
            return pid; // It exited meanwhile; a signal to it will say so.
        }
    }

    public static void Send(int pid, Signal signal)
    {
        if (SendSignal(pid, (int)signal) != 0)
        {
            throw new InvalidOperationException($"kill -{(int)signal} {pid} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private static bool IsDotnetRun(int pid)
    {
        try
        {
            var args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return args.Length > 1 && Path.GetFileName(args[0]) == "dotnet" && args[1] == "run";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static List<int> Children(int pid)
    {
        var children = new List<int>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                children.AddRange(File.ReadAllText(Path.Combine(task, "children"))
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }
        return children;
    }
}
