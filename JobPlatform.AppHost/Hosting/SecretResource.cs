using System.Buffers.Text;
using System.Security.Cryptography;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// A secret the AppHost generates for each run, as Aspire's generated parameters are: 256 random bits,
/// passed to the resources that need it as environment variables. A new run has new secrets.
/// </summary>
public sealed class SecretResource(string name, string prefix) : Resource(name)
{
    public string Value { get; } = prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    internal override Task StartAsync(AppHostContext context, CancellationToken ct) => Task.CompletedTask;

    internal override Task StopAsync() => Task.CompletedTask;
}

public static class SecretBuilderExtensions
{
    /// <summary>Passes a generated secret to every replica of the resource as <paramref name="name"/>.</summary>
    public static ResourceBuilder<T> WithEnvironment<T>(this ResourceBuilder<T> builder, string name, ResourceBuilder<SecretResource> secret)
        where T : Resource, IResourceWithEnvironment
    {
        builder.Resource.Environment[name] = secret.Resource.Value;
        return builder;
    }
}
