using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobPlatform.AppHost.Hosting;

/// <summary>Marks a parameter whose value is also written to a file, for calls by hand (curl, scripts).</summary>
public sealed record SecretFileAnnotation(string Path) : IResourceAnnotation;

public static class GeneratedSecretExtensions
{
    /// <summary>
    /// Adds a secret parameter that Aspire generates on first use (256 bits, URL-safe) and keeps in the
    /// AppHost's user secrets, so it stays the same across runs; set <c>Parameters:{name}</c> to choose
    /// one. Each run writes it, readable by this user only, to <paramref name="file"/>.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddGeneratedSecret(this IDistributedApplicationBuilder builder, string name, string file)
    {
        var parameter = builder.AddParameter(name, new GenerateParameterDefault { MinLength = 43, Special = false }, secret: true, persist: true)
            .WithAnnotation(new SecretFileAnnotation(file));
        builder.Eventing.Subscribe<BeforeStartEvent>((e, ct) =>
        {
            // Not awaited: Aspire resolves parameters after this event, and waiting here would wait forever.
            var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            var log = e.Services.GetRequiredService<ILogger<ParameterResource>>();
            BackgroundWork.Start($"Writing {name} to {file}", log,
                async token => await PrivateFile.WriteAsync(file, await parameter.Resource.GetValueAsync(token) ?? "", token), stopping);
            return Task.CompletedTask;
        });
        return parameter;
    }
}
