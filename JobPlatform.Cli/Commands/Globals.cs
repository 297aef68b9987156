using System.CommandLine;
using JobPlatform.Client;

namespace JobPlatform.Cli.Commands;

/// <summary>The options every command takes, and the one way a command calls the Api and turns what happens into an exit code.</summary>
public static class Globals
{
    public static readonly Option<string?> Url = new("--url")
    {
        Description = $"The Api's address. Defaults to JOBPLATFORM_URL, the profile 'jp login' wrote, then {Connection.DefaultUrl}.",
        Recursive = true,
    };

    public static readonly Option<string?> Key = new("--key")
    {
        Description = "The API key. Defaults to JOBPLATFORM_KEY (JOBPLATFORM_ADMIN_KEY for tenants and keys), the profile, then the AppHost's development tenant.",
        Recursive = true,
    };

    /// <summary>Added to each read command: print JSON instead of tables.</summary>
    public static Option<bool> Json() => new("--json") { Description = "Print JSON instead of a table." };

    /// <summary>
    /// Runs <paramref name="action"/> with a client of the Api. A usage mistake exits 2, a refusal
    /// of the Api or an Api that cannot be reached exits 3, each with a message on stderr.
    /// </summary>
    public static void SetApiAction(this Command command, Func<ParseResult, JobPlatformClient, Output, CancellationToken, Task<int>> action, bool admin = false)
    {
        var json = command.Options.OfType<Option<bool>>().FirstOrDefault(o => o.Name == "--json");
        command.SetAction(async (parse, ct) =>
        {
            Connection? connection = null;
            try
            {
                connection = Connection.Resolve(parse.GetValue(Url), parse.GetValue(Key), admin);
                var output = new Output(json is not null && parse.GetValue(json));
                return await action(parse, connection.CreateClient(), output, ct);
            }
            catch (UsageException e)
            {
                Output.WriteError(e.Message);
                return ExitCodes.Usage;
            }
            catch (JobPlatformApiException e)
            {
                Output.WriteError(e);
                return ExitCodes.ApiError;
            }
            catch (Exception e) when (e is HttpRequestException or Polly.Timeout.TimeoutRejectedException)
            {
                Output.WriteError($"cannot reach the Api at {connection?.Url}: {e.Message}");
                return ExitCodes.ApiError;
            }
        });
    }
}
