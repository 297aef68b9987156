namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// One environment variable as a published container gets it: a plain <paramref name="Value"/>
/// (<paramref name="EmulatorOnly"/>: only where the emulator runs in the cluster, the kind overlay),
/// or a <paramref name="Secret"/> key owned by <paramref name="Owner"/> (the database, the emulator, a parameter).
/// </summary>
internal sealed record ClusterVariable(string Name, string? Value = null, bool EmulatorOnly = false, SecretKey? Secret = null, IResource? Owner = null);

/// <summary>
/// A key of a Kubernetes Secret. <see cref="DevelopmentValue"/> is what an in-cluster development
/// deployment stores there; a real deployment creates the Secret itself. An optional key may be
/// missing (for example AWS credentials, where the pod gets a role instead).
/// </summary>
internal sealed record SecretKey(string SecretName, string Key, string DevelopmentValue, bool Optional = false);
