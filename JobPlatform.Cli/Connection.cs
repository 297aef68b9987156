using System.Text.Json;
using JobPlatform.Client;
using Microsoft.Extensions.DependencyInjection;

namespace JobPlatform.Cli;

/// <summary>
/// Where jp finds the Api and its credential, first match wins: <c>--url</c>/<c>--key</c>, the
/// environment (<c>JOBPLATFORM_URL</c>, <c>JOBPLATFORM_KEY</c>, and <c>JOBPLATFORM_ADMIN_KEY</c> for
/// the administrator's commands), the profile <c>jp login</c> wrote, and last the AppHost's
/// development graph: http://localhost:5080 and the key it wrote to <c>.jobplatform/</c> in this
/// folder or one above it.
/// </summary>
public sealed record Connection(Uri Url, string Key, string Source)
{
    public const string DefaultUrl = "http://localhost:5080";

    public static Connection Resolve(string? url, string? key, bool admin)
    {
        var profile = Profile.Read();
        var appHost = FindAppHostData();
        var resolvedUrl = url ?? Environment.GetEnvironmentVariable("JOBPLATFORM_URL") ?? profile?.Url ?? DefaultUrl;
        if (!Uri.TryCreate(resolvedUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"The Api's URL '{resolvedUrl}' is not an absolute http(s) URL.");
        }

        (string? Key, string Source)[] keys = admin
            ?
            [
                (key, "--key"),
                (Environment.GetEnvironmentVariable("JOBPLATFORM_ADMIN_KEY"), "JOBPLATFORM_ADMIN_KEY"),
                (ReadFile(appHost, Path.Combine("secrets", "admin-key")), "the AppHost's administrator key"),
            ]
            :
            [
                (key, "--key"),
                (Environment.GetEnvironmentVariable("JOBPLATFORM_KEY"), "JOBPLATFORM_KEY"),
                (profile?.Key, $"the profile {Profile.FilePath}"),
                (ReadFile(appHost, "dev-tenant.key"), "the AppHost's development tenant"),
            ];
        var (found, source) = keys.FirstOrDefault(k => !string.IsNullOrWhiteSpace(k.Key));
        if (found is null)
        {
            throw new UsageException(admin
                ? "No administrator key: pass --key or set JOBPLATFORM_ADMIN_KEY (under the AppHost, run jp from the repository)."
                : "No API key: pass --key, set JOBPLATFORM_KEY, or run 'jp login --url <url> --key <key>' (under the AppHost, run jp from the repository).");
        }
        return new Connection(uri, found.Trim(), source);
    }

    /// <summary>A client of the Api at <see cref="Url"/> that calls it with <see cref="Key"/>.</summary>
    public JobPlatformClient CreateClient()
    {
        var services = new ServiceCollection();
        services.AddJobPlatformClient(o =>
        {
            o.BaseAddress = Url;
            o.ApiKey = Key;
        });
        return services.BuildServiceProvider().GetRequiredService<JobPlatformClient>();
    }

    /// <summary>The AppHost's data folder (<c>.jobplatform</c>) in the current folder or the nearest one above it.</summary>
    private static string? FindAppHostData()
    {
        for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
        {
            var data = Path.Combine(folder.FullName, ".jobplatform");
            if (Directory.Exists(data))
            {
                return data;
            }
        }
        return null;
    }

    private static string? ReadFile(string? folder, string name) =>
        folder is not null && File.Exists(Path.Combine(folder, name)) ? File.ReadAllText(Path.Combine(folder, name)).Trim() : null;
}

/// <summary>The Api and key <c>jp login</c> saved, in the user's configuration folder (readable by the user only).</summary>
public sealed record Profile(string Url, string Key)
{
    public static string FilePath => Path.Combine(
        Environment.GetEnvironmentVariable("JOBPLATFORM_CONFIG_DIR")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "jobplatform"),
        "profile.json");

    public static Profile? Read()
    {
        if (!File.Exists(FilePath))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<Profile>(File.ReadAllText(FilePath), JobPlatformJson.Options);
        }
        catch (JsonException e)
        {
            throw new UsageException($"The profile {FilePath} is not valid JSON ({e.Message}); run 'jp login' again or delete it.");
        }
    }

    public void Write()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var file = new FileStream(FilePath, options);
        JsonSerializer.Serialize(file, this, new JsonSerializerOptions(JobPlatformJson.Options) { WriteIndented = true });
    }
}
