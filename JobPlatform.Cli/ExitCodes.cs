namespace JobPlatform.Cli;

/// <summary>What jp's exit code tells a script.</summary>
public static class ExitCodes
{
    /// <summary>Done: the command did what it was asked; a job it waited for completed.</summary>
    public const int Done = 0;

    /// <summary>A job the command waited for (or watched) failed or was cancelled.</summary>
    public const int JobFailed = 1;

    /// <summary>The command line was wrong: an unknown command or option, a bad value, no credential.</summary>
    public const int Usage = 2;

    /// <summary>The Api refused the call, or could not be reached.</summary>
    public const int ApiError = 3;
}

/// <summary>A mistake in the command line that the parser could not see (two options that exclude each other, say).</summary>
public sealed class UsageException(string message) : Exception(message);
