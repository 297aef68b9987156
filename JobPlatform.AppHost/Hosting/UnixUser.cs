using System.Runtime.InteropServices;

namespace JobPlatform.AppHost.Hosting;

/// <summary>Who the AppHost runs as, and how to run a command as the postgres user when that is root.</summary>
internal static partial class UnixUser
{
    public const string PostgresUser = "postgres";

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    public static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    /// <summary>
    /// The command line that runs <paramref name="file"/> as postgres when we are root. setpriv execs
    /// the program in place, so signals reach it directly.
    /// </summary>
    public static (string File, List<string> Arguments) AsPostgres(string file, IEnumerable<string> arguments) =>
        IsRoot
            ? ("setpriv", ["--reuid", PostgresUser, "--regid", PostgresUser, "--init-groups", "--", file, .. arguments])
            : (file, [.. arguments]);

    /// <summary>True when the postgres user can reach <paramref name="directory"/> through every folder above it.</summary>
    public static bool PostgresCanReach(string directory)
    {
        if (!IsRoot)
        {
            return true;
        }
        for (var dir = new DirectoryInfo(directory).Parent; dir is not null; dir = dir.Parent)
        {
            if (dir.Exists && !dir.UnixFileMode.HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }
        return true;
    }

    public static async Task ChownToPostgresAsync(string path, CancellationToken ct)
    {
        if (!IsRoot)
        {
            return;
        }
        var result = await CliWrap.Cli.Wrap("chown").WithArguments(["-R", $"{PostgresUser}:{PostgresUser}", path])
            .WithValidation(CliWrap.CommandResultValidation.None).ExecuteAsync(ct);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown of {path} to {PostgresUser} failed with exit code {result.ExitCode}.");
        }
    }
}
