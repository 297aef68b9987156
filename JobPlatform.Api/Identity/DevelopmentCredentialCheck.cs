using JobPlatform.Contracts;
using Npgsql;

namespace JobPlatform.Api.Identity;

/// <summary>
/// Outside Development the Api refuses to start with a credential that holds one of the development
/// values the published manifests carry (<see cref="DevelopmentSecrets"/>): anyone can read them in
/// this repository, so a cluster that kept them would be open to anyone who can reach it.
/// </summary>
public static class DevelopmentCredentialCheck
{
    /// <summary>Every credential the Api is configured with: its setting, and how to read the secret in it.</summary>
    private static readonly (string Setting, Func<IConfiguration, string?> Secret)[] Credentials =
    [
        Whole($"{AuthOptions.SectionName}:{nameof(AuthOptions.AdminKey)}"),
        Whole($"{AuthOptions.SectionName}:{nameof(AuthOptions.WorkerKey)}"),
        Whole($"{AuthOptions.SectionName}:{nameof(AuthOptions.TokenSigningKey)}"),
        // A connection string also names a host and a database, which may say anything: only its password is a secret.
        ($"ConnectionStrings:{Extensions.Extensions.DatabaseResourceName}",
            c => c.GetConnectionString(Extensions.Extensions.DatabaseResourceName) is { } connectionString
                ? new NpgsqlConnectionStringBuilder(connectionString).Password
                : null),
    ];

    /// <summary>The settings (as configuration keys) whose secret is a published development value.</summary>
    public static IReadOnlyList<string> SettingsHoldingDevelopmentValues(IConfiguration configuration) =>
        Credentials.Where(c => DevelopmentSecrets.IsDevelopmentValue(c.Secret(configuration))).Select(c => c.Setting).ToList();

    /// <summary>
    /// Outside Development, logs each setting that holds a published development value (never the
    /// value) and says whether any does, in which case the Api must not start.
    /// </summary>
    public static bool RefusesDevelopmentCredentials(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            return false;
        }
        var settings = SettingsHoldingDevelopmentValues(app.Configuration);
        foreach (var setting in settings)
        {
            app.Logger.LogCritical(
                "Refusing to start: {Setting} holds a development value published with JobPlatform's manifests (deploy/k8s), which anyone can read. " +
                "Outside Development (the environment is {Environment}) every credential must be your own: set {Variable} from a secret of yours (docs/kubernetes.md), " +
                "or set ASPNETCORE_ENVIRONMENT=Development for a development cluster.",
                setting, app.Environment.EnvironmentName, setting.Replace(":", "__", StringComparison.Ordinal));
        }
        return settings.Count > 0;
    }

    private static (string Setting, Func<IConfiguration, string?> Secret) Whole(string setting) => (setting, c => c[setting]);
}
