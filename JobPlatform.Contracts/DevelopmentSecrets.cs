namespace JobPlatform.Contracts;

/// <summary>
/// The values the published Kubernetes manifests (deploy/k8s) keep in their Secrets so that the kind
/// overlay runs as it is: the graph's secret parameters (the administrator's and workers' keys, the
/// token signing key) and PostgreSQL's password. They are public, in this repository, so they guard
/// nothing: each carries <see cref="Marker"/>, and the Api refuses to start outside Development with
/// a credential that does. The publisher writes them from here; nothing else spells them.
/// </summary>
public static class DevelopmentSecrets
{
    /// <summary>What every published development value contains, and what the Api's check looks for.</summary>
    public const string Marker = "dev-only";

    /// <summary>PostgreSQL's superuser password in the published manifests, and in the connection string they give the Api.</summary>
    public const string PostgresPassword = "jobplatform-" + Marker;

    /// <summary>The published value of the secret parameter <paramref name="name"/> (<c>admin-key</c>, <c>worker-key</c>, <c>token-signing-key</c>).</summary>
    public static string ForParameter(string name) => $"{Marker}-{name}-replace-me-in-a-real-cluster";

    /// <summary>
    /// Whether <paramref name="value"/> is a published development value, or was made from one: it
    /// carries <see cref="Marker"/> (in any case).
    /// </summary>
    public static bool IsDevelopmentValue(string? value) => value?.Contains(Marker, StringComparison.OrdinalIgnoreCase) == true;
}
