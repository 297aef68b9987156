namespace JobPlatform.AppHost.Publishing;

/// <summary>The recommended <c>app.kubernetes.io</c> labels every published object carries.</summary>
internal static class KubeLabels
{
    public const string Name = "app.kubernetes.io/name";
    public const string Component = "app.kubernetes.io/component";
    public const string PartOf = "app.kubernetes.io/part-of";
    public const string ManagedBy = "app.kubernetes.io/managed-by";

    /// <summary>The application every object is part of.</summary>
    public const string Application = "jobplatform";

    /// <summary>The labels of an object of resource <paramref name="name"/>.</summary>
    public static Dictionary<string, string> For(string name, string component) => new()
    {
        [Name] = name,
        [Component] = component,
        [PartOf] = Application,
        [ManagedBy] = "jobplatform-apphost",
    };

    /// <summary>What a Service, a budget or a policy selects a resource's pods by.</summary>
    public static Dictionary<string, string> Selector(string name) => new() { [Name] = name };
}
