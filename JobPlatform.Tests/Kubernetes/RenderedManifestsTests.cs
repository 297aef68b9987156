using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using JobPlatform.AppHost.Hosting;
using JobPlatform.AppHost.Publishing;
using k8s.Models;
using Microsoft.Extensions.Configuration;

namespace JobPlatform.Tests.Kubernetes;

/// <summary>Every overlay rendered by <c>kubectl kustomize</c>, read strictly, and checked object by object.</summary>
public sealed partial class RenderedManifestsTests
{
    public static TheoryData<string> Overlays => new(RenderedOverlay.Names);

    /// <summary>What each service reads from its environment and cannot start (or work) without.</summary>
    private static IEnumerable<string> RequiredVariables(string container, bool emulator) => container switch
    {
        "api" or "migrate" => [$"ConnectionStrings__{JobPlatform.Api.Extensions.Extensions.DatabaseResourceName}", "AWS_REGION", "OTEL_SERVICE_NAME",
            .. emulator ? new[] { "ConnectionStrings__sqs" } : []],
        "worker" => [$"services__{new Uri(new JobPlatform.Worker.Sdk.WorkerOptions().ApiUrl).Host}__http__0", "Worker__WorkerId", "AWS_REGION", "OTEL_SERVICE_NAME",
            .. emulator ? new[] { "ConnectionStrings__sqs" } : []],
        _ => [],
    };

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Overlay_Renders_WithTheServicesItPromises(string overlay)
    {
        var rendered = await RenderedOverlay.RenderAsync(overlay);
        var emulator = overlay != "aws";

        Assert.All(rendered.Objects, o => Assert.Equal(KubernetesPublisher.Namespace, o is V1Namespace ? o.Metadata.Name : o.Metadata.NamespaceProperty));
        foreach (var name in new[] { "api", "worker", "web" })
        {
            rendered.Get<V1Deployment>(name);
            rendered.Get<V1ConfigMap>(name);
        }
        rendered.Get<V1Service>("api");
        rendered.Get<V1Service>("web");
        rendered.Get<V1Job>("api-migrate");
        Assert.Equal(emulator, rendered.All<V1StatefulSet>().Any(s => s.Metadata.Name == "postgres"));
        Assert.Equal(emulator, rendered.All<V1Deployment>().Any(d => d.Metadata.Name == "sqs"));
        Assert.Equal(emulator, rendered.All<V1ConfigMap>().Any(c => c.Data?.ContainsKey("ConnectionStrings__sqs") == true));
        if (emulator)
        {
            var claim = Assert.Single(rendered.Get<V1StatefulSet>("postgres").Spec.VolumeClaimTemplates);
            Assert.Contains("ReadWriteOnce", claim.Spec.AccessModes);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task EveryWorkload_HasProbes_OnAPortItExposes_AtAPathItServes(string overlay)
    {
        var rendered = await RenderedOverlay.RenderAsync(overlay);
        foreach (var (kind, name, template) in rendered.PodTemplates().Where(t => t.Kind != "Job"))
        {
            foreach (var container in template.Spec.Containers)
            {
                var where = $"{overlay}: {kind} {name}, container {container.Name}";
                var probes = new[] { ("startup", container.StartupProbe), ("readiness", container.ReadinessProbe), ("liveness", container.LivenessProbe) };
                foreach (var (probeName, probe) in probes)
                {
                    Assert.True(probe is not null, $"{where} has no {probeName} probe");
                    var port = probe.HttpGet?.Port ?? probe.TcpSocket?.Port;
                    if (port is not null)
                    {
                        Assert.True(container.Ports?.Any(p => p.Name == port.Value || p.ContainerPort.ToString() == port.Value) == true,
                            $"{where}: the {probeName} probe's port {port.Value} is not a port the container exposes");
                    }
                    else
                    {
                        // Only PostgreSQL, which speaks no HTTP, may probe with a command.
                        Assert.True(kind == "StatefulSet" && probe.Exec is not null, $"{where}: the {probeName} probe is neither HTTP nor TCP");
                    }
                }

                if (name is "api" or "worker")
                {
                    // The paths the services' defaults map (MapDefaultEndpoints); the real-run test hits them.
                    Assert.Equal(Microsoft.Extensions.Hosting.Extensions.HealthEndpointPath, container.ReadinessProbe.HttpGet.Path);
                    Assert.Equal(Microsoft.Extensions.Hosting.Extensions.AlivenessEndpointPath, container.LivenessProbe.HttpGet.Path);
                    Assert.Equal(Microsoft.Extensions.Hosting.Extensions.AlivenessEndpointPath, container.StartupProbe.HttpGet.Path);
                }
                if (name == "web")
                {
                    var nginx = rendered.Get<V1ConfigMap>("web").Data[WebManifests.ConfigKey];
                    foreach (var (probeName, probe) in probes)
                    {
                        Assert.True(nginx.Contains($"location = {probe.HttpGet.Path} {{", StringComparison.Ordinal), $"{where}: nginx does not serve the {probeName} path {probe.HttpGet.Path}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task EveryContainer_HasRequestsAndLimits_AndRunsAsNonRoot_OnAReadOnlyRootFilesystem(string overlay)
    {
        var rendered = await RenderedOverlay.RenderAsync(overlay);
        foreach (var (kind, name, template) in rendered.PodTemplates())
        {
            var pod = template.Spec;
            Assert.True(pod.AutomountServiceAccountToken == false, $"{overlay}: {kind} {name} mounts a service account token");
            foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                var where = $"{overlay}: {kind} {name}, container {container.Name}";
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    Assert.True(container.Resources?.Requests?.ContainsKey(resource) == true, $"{where} requests no {resource}");
                    Assert.True(container.Resources?.Limits?.ContainsKey(resource) == true, $"{where} has no {resource} limit");
                }
                Assert.True((container.SecurityContext?.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot) == true, $"{where} may run as root");
                Assert.True((container.SecurityContext?.RunAsUser ?? pod.SecurityContext?.RunAsUser) > 0, $"{where} runs as uid 0 or an unstated uid");
                Assert.True(container.SecurityContext?.ReadOnlyRootFilesystem == true, $"{where} has a writable root filesystem");
                Assert.True(container.SecurityContext?.AllowPrivilegeEscalation == false, $"{where} allows privilege escalation");
                var tmp = container.VolumeMounts?.SingleOrDefault(m => m.MountPath == "/tmp");
                Assert.True(tmp is not null && pod.Volumes.Single(v => v.Name == tmp.Name).EmptyDir is not null, $"{where} has no writable /tmp");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task EveryVariableAServiceReads_IsSet_AndSecretsComeFromSecrets(string overlay)
    {
        var rendered = await RenderedOverlay.RenderAsync(overlay);
        var emulator = overlay != "aws";
        var guide = await File.ReadAllTextAsync(Path.Combine(RenderedOverlay.RepositoryRoot, "docs", "kubernetes.md"));
        foreach (var (kind, name, template) in rendered.PodTemplates())
        {
            foreach (var container in template.Spec.Containers)
            {
                var missing = new List<string>();
                var environment = rendered.EnvironmentOf(container, $"{name}-pod", missing);
                var where = $"{overlay}: {kind} {name}, container {container.Name}";
                foreach (var variable in RequiredVariables(container.Name, emulator))
                {
                    var isExternalSecret = missing.Any(m => m.EndsWith($"(for {variable})", StringComparison.Ordinal));
                    Assert.True(environment.ContainsKey(variable) || (!emulator && isExternalSecret), $"{where} does not set {variable}, which it reads");
                }
                Assert.All(environment, pair => Assert.False(UnexpandedReference().IsMatch(pair.Value), $"{where}: {pair.Key} keeps an unexpanded reference: {pair.Value}"));
                if (emulator)
                {
                    Assert.True(missing.Count == 0, $"{where} reads keys the overlay does not hold: {string.Join("; ", missing)}");
                }
                foreach (var external in missing)
                {
                    // On AWS the user creates these Secrets; the guide must say how.
                    var secret = external.Split(' ')[1];
                    Assert.True(guide.Contains($"create secret generic {secret}", StringComparison.Ordinal),
                        $"{where} reads {external}, which docs/kubernetes.md does not tell how to create");
                }
                foreach (var variable in container.Env ?? [])
                {
                    Assert.False(variable.Value is not null && LooksSecret(variable.Name, variable.Value), $"{where}: {variable.Name} holds a secret as a plain value");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task EveryServiceSelector_MatchesAPodTemplate_OnANamedPort(string overlay)
    {
        var rendered = await RenderedOverlay.RenderAsync(overlay);
        var templates = rendered.PodTemplates().ToList();
        foreach (var service in rendered.All<V1Service>())
        {
            Assert.NotEmpty(service.Spec.Selector);
            var target = Assert.Single(templates, t => t.Kind != "Job" && Selects(service.Spec.Selector, t.Template));
            foreach (var port in service.Spec.Ports)
            {
                Assert.True(target.Template.Spec.Containers.Any(c => c.Ports?.Any(p => p.Name == port.TargetPort.Value || p.ContainerPort.ToString() == port.TargetPort.Value) == true),
                    $"{overlay}: Service {service.Metadata.Name} targets port {port.TargetPort.Value}, which {target.Kind} {target.Name} does not expose");
            }
        }
        foreach (var budget in rendered.All<V1PodDisruptionBudget>())
        {
            Assert.Contains(templates, t => Selects(budget.Spec.Selector.MatchLabels, t.Template));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task NoConfigMap_HoldsASecret(string overlay)
    {
        var rendered = await RenderedOverlay.RenderAsync(overlay);
        var secretValues = rendered.All<V1Secret>()
            .SelectMany(s => (s.StringData ?? new Dictionary<string, string>()).Values)
            .Where(v => v.Length >= 4)
            .ToHashSet();
        Assert.NotEmpty(rendered.All<V1ConfigMap>());
        foreach (var configMap in rendered.All<V1ConfigMap>())
        {
            foreach (var (key, value) in configMap.Data ?? new Dictionary<string, string>())
            {
                Assert.False(LooksSecret(key, value), $"{overlay}: ConfigMap {configMap.Metadata.Name} holds {key}, which looks like a secret");
                Assert.DoesNotContain(secretValues, secret => value.Contains(secret, StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public async Task OnlyADevelopmentCluster_RunsTheApiAsDevelopment()
    {
        var trees = await Task.WhenAll(RenderedOverlay.Names.Select(RenderedOverlay.RenderAsync).Append(RenderedOverlay.RenderBaseAsync()));
        foreach (var rendered in trees)
        {
            // The kind overlays keep base's development secrets, which the Api (and its migration Job) refuse anywhere else.
            var development = rendered.Name is "kind" or "kind-keda";
            foreach (var (kind, name, template) in rendered.PodTemplates())
            {
                foreach (var container in template.Spec.Containers)
                {
                    var expected = development && name is "api" or "api-migrate" ? "Development" : null;
                    var actual = rendered.EnvironmentOf(container, $"{name}-pod").GetValueOrDefault("ASPNETCORE_ENVIRONMENT");
                    Assert.True(actual == expected, $"{rendered.Name}: {kind} {name}, container {container.Name} runs with ASPNETCORE_ENVIRONMENT={actual ?? "(unset)"}, not {expected ?? "(unset)"}");
                }
            }
        }
    }

    [Fact]
    public async Task TheApisCheck_KnowsEveryCredentialTheKindOverlayGivesIt()
    {
        var kind = await RenderedOverlay.RenderAsync("kind");
        var containers = new[] { kind.Get<V1Deployment>("api").Spec.Template.Spec.Containers.Single(), kind.Get<V1Job>("api-migrate").Spec.Template.Spec.Containers.Single() };
        foreach (var container in containers)
        {
            var environment = kind.EnvironmentOf(container, "api-pod");
            // Every Secret key the Api cannot go without: what an operator must replace. (The emulator's dummy AWS keys
            // are optional, a pod's role standing in, and open nothing: real SQS refuses them.)
            var credentials = (container.Env ?? []).Where(v => v.ValueFrom?.SecretKeyRef is { Optional: not true }).Select(v => Setting(v.Name)).Order().ToList();
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(environment.Select(pair => KeyValuePair.Create(Setting(pair.Key), (string?)pair.Value)))
                .Build();

            Assert.NotEmpty(credentials);
            Assert.Equal(credentials, JobPlatform.Api.Identity.DevelopmentCredentialCheck.SettingsHoldingDevelopmentValues(configuration).Order());
        }
    }

    [Fact]
    public async Task Scaling_FollowsTheModel()
    {
        var kind = await RenderedOverlay.RenderAsync("kind");
        await using var graph = await DeclaredGraph.CreateAsync();
        var worker = graph.Resources.OfType<ProjectResource>().Single(p => p.Name == "worker");

        Assert.Equal(worker.Annotations.OfType<ReplicaAnnotation>().Last().Replicas, kind.Get<V1Deployment>("worker").Spec.Replicas);
        var hpa = kind.Get<V2HorizontalPodAutoscaler>("api");
        Assert.Equal("api", hpa.Spec.ScaleTargetRef.Name);
        Assert.Equal("cpu", Assert.Single(hpa.Spec.Metrics).Resource.Name);
        Assert.Null(kind.Get<V1Deployment>("api").Spec.Replicas);
        foreach (var name in new[] { "api", "worker", "web" })
        {
            kind.Get<V1PodDisruptionBudget>(name);
        }

        var keda = await RenderedOverlay.RenderAsync("kind-keda");
        var scaled = keda.Get<ScaledObject>("worker");
        Assert.Equal("worker", scaled.Spec.ScaleTargetRef.Name);
        // One trigger per priority queue, each at the emulator in the cluster.
        var queues = graph.Resources.OfType<SqsEmulatorResource>().Single()
            .Queues.Where(q => q.DeadLetterQueue is not null).Select(q => q.Name).ToList();
        Assert.Equal(4, queues.Count);
        Assert.Equal(queues, scaled.Spec.Triggers.Select(t => t.Metadata["queueURL"].Split('/').Last()));
        foreach (var trigger in scaled.Spec.Triggers)
        {
            Assert.Equal("aws-sqs-queue", trigger.Type);
            Assert.StartsWith($"http://sqs.{KubernetesPublisher.Namespace}.svc", trigger.Metadata["awsEndpoint"]);
            Assert.StartsWith($"http://sqs.{KubernetesPublisher.Namespace}.svc", trigger.Metadata["queueURL"]);
            var authentication = keda.Get<TriggerAuthentication>(trigger.AuthenticationRef!.Name);
            Assert.All(authentication.Spec.SecretTargetRef, r => Assert.Contains(keda.Get<V1Secret>(r.Name).StringData.Keys, k => k == r.Key));
        }
        Assert.Null(keda.Get<V1Deployment>("worker").Spec.Replicas);
    }

    [Fact]
    public async Task WorkerTerminationGrace_CoversItsDrainTimeout()
    {
        var kind = await RenderedOverlay.RenderAsync("kind");
        var worker = kind.Get<V1Deployment>("worker").Spec.Template.Spec;
        var drain = TimeSpan.Parse(kind.EnvironmentOf(worker.Containers[0], "worker-pod")["Worker__DrainTimeout"], System.Globalization.CultureInfo.InvariantCulture);

        // The worker's host waits DrainTimeout + 5 s (its ShutdownTimeout); the pod must outlive that.
        Assert.InRange(worker.TerminationGracePeriodSeconds!.Value, (long)(drain + TimeSpan.FromSeconds(5)).TotalSeconds + 1, (long)(drain + TimeSpan.FromSeconds(30)).TotalSeconds);
    }

    [Fact]
    public async Task NetworkPolicies_AdmitOnlyTheirClients()
    {
        var kind = await RenderedOverlay.RenderAsync("kind");
        var templates = kind.PodTemplates().ToList();

        Assert.Equal(["api", "api-migrate"], AllowedPods(kind, "postgres"));
        Assert.Equal(["api", "wordcount", "worker"], AllowedPods(kind, "sqs"));
        Assert.Equal(["web", "wordcount", "worker"], AllowedPods(kind, "api"));
        Assert.Contains(kind.Get<V1NetworkPolicy>("api").Spec.Ingress.Single().FromProperty,
            peer => peer.NamespaceSelector?.MatchLabels["kubernetes.io/metadata.name"] == PolicyManifests.IngressNamespace);
        foreach (var policy in kind.All<V1NetworkPolicy>())
        {
            Assert.Contains(templates, t => Selects(policy.Spec.PodSelector.MatchLabels, t.Template));
            foreach (var peer in policy.Spec.Ingress.SelectMany(i => i.FromProperty).Where(p => p.PodSelector is not null))
            {
                Assert.Contains(templates, t => Selects(peer.PodSelector.MatchLabels, t.Template));
            }
        }
    }

    [Fact]
    public async Task Migrations_RunOnce_AsAJobOfTheApiImage()
    {
        var kind = await RenderedOverlay.RenderAsync("kind");
        var job = kind.Get<V1Job>("api-migrate");
        var container = Assert.Single(job.Spec.Template.Spec.Containers);

        Assert.Equal(kind.Get<V1Deployment>("api").Spec.Template.Spec.Containers[0].Image, container.Image);
        Assert.Equal([JobPlatform.Api.Services.DatabaseMigrator.MigrateOnlyArgument], container.Args);
        Assert.NotEqual("Always", job.Spec.Template.Spec.RestartPolicy);
    }

    /// <summary>A variable's name as a configuration key, as .NET reads the environment (<c>Auth__AdminKey</c> is <c>Auth:AdminKey</c>).</summary>
    private static string Setting(string variable) => variable.Replace("__", ":", StringComparison.Ordinal);

    private static bool Selects(IDictionary<string, string> selector, V1PodTemplateSpec template) =>
        selector.All(s => template.Metadata.Labels.TryGetValue(s.Key, out var value) && value == s.Value);

    private static List<string> AllowedPods(RenderedOverlay rendered, string policy) =>
        rendered.Get<V1NetworkPolicy>(policy).Spec.Ingress.SelectMany(i => i.FromProperty)
            .Where(p => p.PodSelector is not null)
            .Select(p => p.PodSelector.MatchLabels["app.kubernetes.io/name"])
            .Order(StringComparer.Ordinal)
            .ToList();

    private static bool LooksSecret(string key, string value) =>
        SecretName().IsMatch(key) || SecretValue().IsMatch(value);

    [GeneratedRegex(@"password|secret|token|apikey|api_key|access_key|credential", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"password\s*=|AKIA[0-9A-Z]{16}|-----BEGIN|://[^/\s:@]+:[^/\s@]+@", RegexOptions.IgnoreCase)]
    private static partial Regex SecretValue();

    [GeneratedRegex(@"\$\([A-Za-z_][A-Za-z0-9_]*\)")]
    private static partial Regex UnexpandedReference();
}
