using System.Buffers.Text;
using System.Security.Cryptography;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// A secret the AppHost generates for each run, as Aspire's generated parameters are: 256 random bits,
/// passed to the resources that need it as environment variables and written, readable by this user
/// only, to <c>{data}/secrets/{name}</c> for calls by hand. A new run has new secrets.
/// </summary>
public sealed class SecretResource(string name, string prefix) : Resource(name)
{
    /// <summary>The Secret that holds the graph's generated secrets in a cluster.</summary>
    public const string ClusterSecretName = "jobplatform-auth";

    public string Value { get; } = prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// Where a cluster keeps it. The development value serves an in-cluster trial (kind) only; a real
    /// deployment creates the Secret with values of its own (docs/kubernetes.md).
    /// </summary>
    public SecretKey ClusterKey => new(ClusterSecretName, Name, $"{prefix}dev-only-{Name}-replace-me-in-a-real-cluster");

    /// <summary>Where this run's value is written.</summary>
    public static string FilePath(string dataDirectory, string name) => Path.Combine(dataDirectory, "secrets", name);

    internal override Task StartAsync(AppHostContext context, CancellationToken ct) =>
        PrivateFile.WriteAsync(FilePath(context.DataDirectory, Name), Value, ct);

    internal override Task StopAsync() => Task.CompletedTask;
}

public static class SecretBuilderExtensions
{
    /// <summary>Passes a generated secret to every replica of the project as <paramref name="name"/>; published, it comes from a Secret.</summary>
    public static ResourceBuilder<ProjectResource> WithEnvironment(this ResourceBuilder<ProjectResource> builder, string name, ResourceBuilder<SecretResource> secret)
    {
        builder.Resource.SecretEnvironment[name] = secret.Resource;
        return builder;
    }
}
