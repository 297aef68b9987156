namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// One environment variable a resource passes to the resources that reference it when they run in a
/// cluster, where every resource is reached by its Service name instead of a local port. Either a
/// plain <see cref="Value"/> or a key of a Secret, never both.
/// </summary>
public sealed record DeploymentVariable
{
    private DeploymentVariable(string name, string? value, SecretKey? secret, bool emulatorOnly)
    {
        Name = name;
        Value = value;
        Secret = secret;
        EmulatorOnly = emulatorOnly;
    }

    public string Name { get; }

    /// <summary>The value, when it is not a secret.</summary>
    public string? Value { get; }

    /// <summary>Where the value is kept, when it is a secret.</summary>
    public SecretKey? Secret { get; }

    /// <summary>Only where the referenced resource runs as an emulator in the cluster (the <c>kind</c> overlay); a real service needs no such variable.</summary>
    public bool EmulatorOnly { get; }

    public static DeploymentVariable Plain(string name, string value, bool emulatorOnly = false) => new(name, value, null, emulatorOnly);

    public static DeploymentVariable FromSecret(string name, SecretKey secret) => new(name, null, secret, emulatorOnly: false);
}

/// <summary>
/// A key of a Kubernetes Secret. <see cref="DevelopmentValue"/> is what an in-cluster development
/// deployment stores there; a real deployment creates the Secret itself. An optional key may be
/// missing (for example AWS credentials, where the pod gets a role instead).
/// </summary>
public sealed record SecretKey(string SecretName, string Key, string DevelopmentValue, bool Optional = false);

/// <summary>How a resource runs as a container: its image, the port it serves and its probe paths.</summary>
/// <param name="Image">The image name, without a tag.</param>
/// <param name="Port">The container port it listens on, and the port of its Service.</param>
/// <param name="ReadinessPath">Ready when this answers 2xx: the service and what it needs are reachable.</param>
/// <param name="LivenessPath">Alive while this answers 2xx.</param>
public sealed record ContainerSpec(string Image, int Port, string ReadinessPath, string LivenessPath);
