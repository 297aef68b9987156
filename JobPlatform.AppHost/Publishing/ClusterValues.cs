using System.Globalization;
using JobPlatform.AppHost.Hosting;
using JobPlatform.Contracts;

namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// What each value Aspire passes a resource becomes in a cluster, where every resource is reached by
/// its Service name instead of a local port and secrets live in Secrets: a database's connection
/// string comes from its connection Secret, the emulator's endpoint is its Service (in the kind
/// overlay only), a project's endpoint is its Service, a secret parameter is a key of
/// <see cref="AuthSecretName"/>.
/// </summary>
internal static class ClusterValues
{
    /// <summary>The Secret that holds the graph's secret parameters in a cluster.</summary>
    public const string AuthSecretName = "jobplatform-auth";

    /// <summary>The variable <paramref name="name"/> of <paramref name="consumer"/>, whose value in the development loop is <paramref name="value"/>.</summary>
    public static ClusterVariable For(IResource consumer, string name, object value) => value switch
    {
        ConnectionStringReference { Resource: PostgresDatabaseResource database } => new(name,
            Secret: new SecretKey(PostgresManifests.ConnectionSecretName(database), name, PostgresManifests.ConnectionString(database)), Owner: database),
        ConnectionStringReference { Resource: SqsEmulatorResource sqs } => new(name, ServiceUrl(sqs), EmulatorOnly: true),
        EndpointReference endpoint => new(name, ServiceUrl(endpoint.Resource, endpoint.Scheme)),
        ParameterResource { Secret: true } parameter => new(name,
            Secret: new SecretKey(AuthSecretName, parameter.Name, DevelopmentSecrets.ForParameter(parameter.Name)), Owner: parameter),
        string dummy when SqsEmulatorManifests.CredentialVariables.Contains(name)
            && PublishedModel.References(consumer).OfType<SqsEmulatorResource>().FirstOrDefault() is { } sqs =>
            new(name, Secret: SqsEmulatorManifests.CredentialKey(name, dummy), Owner: sqs),
        string text => new(name, text),
        _ => throw new DistributedApplicationException(
            $"'{consumer.Name}' gets {name} from a {value.GetType().Name}, which publishing does not know how to pass in a cluster."),
    };

    /// <summary>Where pods reach <paramref name="resource"/>: its Service, on its container port.</summary>
    public static string ServiceUrl(IResource resource, string scheme = "http") =>
        $"{scheme}://{resource.Name}:{PublishedModel.Container(resource).Port.ToString(CultureInfo.InvariantCulture)}";
}
