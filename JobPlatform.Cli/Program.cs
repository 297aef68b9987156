using System.CommandLine;
using JobPlatform.Cli;
using JobPlatform.Cli.Commands;

var root = new RootCommand("jp: submit JobPlatform jobs, follow them and read their results. Exit codes: 0 done, 1 a job failed, 2 usage, 3 the Api refused or could not be reached.")
{
    Globals.Url,
    Globals.Key,
};
root.Subcommands.Add(SubmitCommand.Create());
root.Subcommands.Add(JobCommands.Jobs());
root.Subcommands.Add(JobCommands.Job());
root.Subcommands.Add(WatchCommand.Create());
root.Subcommands.Add(JobCommands.Results());
root.Subcommands.Add(JobCommands.Cancel());
root.Subcommands.Add(JobCommands.Retry());
root.Subcommands.Add(JobCommands.Tasks());
root.Subcommands.Add(AdminCommands.Tenants());
root.Subcommands.Add(AdminCommands.Keys());
root.Subcommands.Add(AdminCommands.Login());

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Output.WriteError(error.Message);
    }
    var name = string.Join(' ', parse.CommandResult.Command is RootCommand ? ["jp"] : new[] { "jp", parse.CommandResult.Command.Name });
    Console.Error.WriteLine($"Usage: see '{name} --help'.");
    return ExitCodes.Usage;
}
return await parse.InvokeAsync();
