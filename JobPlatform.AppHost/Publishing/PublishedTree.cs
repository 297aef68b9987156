using System.Text.Json;
using JobPlatform.AppHost.Hosting;
using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>The directories of one publish run, built from one model.</summary>
internal sealed class PublishedTree(PublishedModel model)
{
    private readonly ManifestDirectory _base = new("base", new Kustomization());
    private readonly ManifestDirectory _kind = new(Path.Combine("overlays", "kind"), Overlay("../../base"));
    private readonly ManifestDirectory _aws = new(Path.Combine("overlays", "aws"), Overlay("../../base"));
    private readonly ManifestDirectory _keda = new(Path.Combine("components", "keda"), Kustomization.Component());
    private readonly ManifestDirectory _kindKeda = new(Path.Combine("overlays", "kind-keda"), Overlay("../kind", "../../components/keda"));
    private readonly List<(IResource Owner, SecretKey Key)> _secrets = [];

    public async Task<IReadOnlyList<ManifestDirectory>> BuildAsync(CancellationToken ct)
    {
        foreach (var project in model.All<ProjectResource>())
        {
            await AddProjectAsync(project, ct);
        }
        foreach (var app in model.All<ViteAppResource>())
        {
            await AddWebAppAsync(app, ct);
        }
        foreach (var server in model.All<PostgresServerResource>())
        {
            AddPostgres(server);
        }
        foreach (var sqs in model.All<SqsEmulatorResource>())
        {
            AddSqsEmulator(sqs);
            AddKeda(sqs);
        }
        AddParameterSecrets();

        foreach (var overlay in new[] { _kind, _aws })
        {
            overlay.AddResource(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = KubernetesPublisher.Namespace, Labels = new Dictionary<string, string> { [KubeLabels.PartOf] = KubeLabels.Application } } });
        }
        var containers = model.All<IResource>().Where(r => r.TryGetLastAnnotation<ContainerSpec>(out _)).ToList();
        _kind.Kustomization.Images = ImagesOf(containers)
            .Select(image => new KustomizeImage { Name = image, NewTag = KubernetesPublisher.KindImageTag }).ToList();
        // Placeholders: docs/kubernetes.md says to point them at the registry the images are pushed to.
        _aws.Kustomization.Images = ImagesOf(containers.Where(r => r is not SqsEmulatorResource))
            .Select(image => new KustomizeImage { Name = image, NewName = $"{KubernetesPublisher.AwsRegistryPlaceholder}/{image}", NewTag = KubernetesPublisher.AwsTagPlaceholder }).ToList();
        return [_base, _kind, _aws, _keda, _kindKeda];
    }

    private async Task AddProjectAsync(ProjectResource project, CancellationToken ct)
    {
        var environment = await ContainerEnvironment.ForAsync(project, ct);
        var port = PublishedModel.Container(project).Port;
        // A project others call over HTTP scales on CPU; a queue consumer keeps the model's count
        // (or KEDA's, on queue depth).
        var called = model.IsCalled(project);
        _base.AddResource(ProjectManifests.ConfigMap(project, environment));
        _base.AddResource(ProjectManifests.Deployment(project, environment, managedReplicas: called));
        if (called)
        {
            _base.AddResource(ProjectManifests.Service(project.Name, port));
            _base.AddResource(PolicyManifests.CpuAutoscaler(project));
            _base.AddResource(PolicyManifests.IngressOnlyFrom(project.Name, port, model.Referencing(project), [PolicyManifests.IngressNamespace]));
        }
        _base.AddResource(PolicyManifests.DisruptionBudget(project.Name));
        if (PublishedModel.References(project).OfType<PostgresDatabaseResource>().Any())
        {
            _base.AddResource(ProjectManifests.MigrationJob(project, environment));
        }

        if (environment.KindOnly.Count > 0)
        {
            _kind.AddPatch(project.Name, "ConfigMap", new V1ConfigMap
            {
                ApiVersion = "v1",
                Kind = "ConfigMap",
                Metadata = new V1ObjectMeta { Name = project.Name },
                Data = new Dictionary<string, string>(environment.KindOnly, StringComparer.Ordinal),
            });
        }
        AddKindSize(project.Name, "Deployment", project.Name);
        _secrets.AddRange(environment.Secrets);
    }

    private async Task AddWebAppAsync(ViteAppResource app, CancellationToken ct)
    {
        _base.AddResource(await WebManifests.ConfigMapAsync(app, ct));
        _base.AddResource(WebManifests.Deployment(app));
        _base.AddResource(ProjectManifests.Service(app.Name, PublishedModel.Container(app).Port));
        _base.AddResource(PolicyManifests.DisruptionBudget(app.Name));
        AddKindSize(app.Name, "Deployment", app.Name);
    }

    private void AddPostgres(PostgresServerResource server)
    {
        _base.AddResource(PostgresManifests.ConfigMap(server));
        _base.AddResource(PostgresManifests.PasswordSecret(server));
        _base.AddResource(PostgresManifests.Service(server));
        _base.AddResource(PostgresManifests.StatefulSet(server));
        var clients = server.Databases.SelectMany(model.Referencing).ToList();
        var migrators = model.All<ProjectResource>()
            .Where(p => PublishedModel.References(p).Any(r => r is PostgresDatabaseResource d && d.Parent == server))
            .Select(ProjectManifests.MigrationJobName);
        _base.AddResource(PolicyManifests.IngressOnlyFrom(server.Name, PostgresManifests.ContainerPort, clients.Concat(migrators).Distinct()));
        AddKindSize(server.Name, "StatefulSet", server.Name);

        // The aws overlay uses an external PostgreSQL: no server, and a connection Secret of its own.
        var passwordSecret = PostgresManifests.PasswordSecretName(server);
        _aws.AddPatch(server.Name, "StatefulSet", DeletePatch.For("apps/v1", "StatefulSet", server.Name));
        _aws.AddPatch(server.Name, "Service", DeletePatch.For("v1", "Service", server.Name));
        _aws.AddPatch(server.Name, "ConfigMap", DeletePatch.For("v1", "ConfigMap", server.Name));
        _aws.AddPatch(passwordSecret, "Secret", DeletePatch.For("v1", "Secret", passwordSecret));
        _aws.AddPatch(server.Name, "NetworkPolicy", DeletePatch.For("networking.k8s.io/v1", "NetworkPolicy", server.Name));
        foreach (var database in server.Databases)
        {
            var keys = _secrets.Where(s => s.Owner == database).Select(s => s.Key).ToList();
            if (keys.Count == 0)
            {
                continue;
            }
            var connectionSecret = PostgresManifests.ConnectionSecretName(database);
            _base.AddResource(PostgresManifests.ConnectionSecret(database, keys));
            _aws.AddPatch(connectionSecret, "Secret", DeletePatch.For("v1", "Secret", connectionSecret));
        }
    }

    /// <summary>
    /// The graph's secret parameters (the keys, the token signing key): one Secret with development
    /// values for kind; the aws overlay expects the Secret to be created.
    /// </summary>
    private void AddParameterSecrets()
    {
        foreach (var group in _secrets.Where(s => s.Owner is ParameterResource).Select(s => s.Key).Distinct().GroupBy(k => k.SecretName))
        {
            _base.AddResource(new V1Secret
            {
                ApiVersion = "v1",
                Kind = "Secret",
                Metadata = new V1ObjectMeta { Name = group.Key, Labels = new Dictionary<string, string> { [KubeLabels.PartOf] = KubeLabels.Application } },
                Type = "Opaque",
                StringData = group.OrderBy(k => k.Key, StringComparer.Ordinal).ToDictionary(k => k.Key, k => k.DevelopmentValue, StringComparer.Ordinal),
            });
            _aws.AddPatch(group.Key, "Secret", DeletePatch.For("v1", "Secret", group.Key));
        }
    }

    private void AddSqsEmulator(SqsEmulatorResource sqs)
    {
        var port = PublishedModel.Container(sqs).Port;
        _kind.AddResource(SqsEmulatorManifests.ConfigMap(sqs));
        _kind.AddResource(SqsEmulatorManifests.CredentialsSecret(_secrets.Where(s => s.Owner == sqs).Select(s => s.Key)));
        _kind.AddResource(SqsEmulatorManifests.Deployment(sqs));
        _kind.AddResource(ProjectManifests.Service(sqs.Name, port));
        _kind.AddResource(PolicyManifests.IngressOnlyFrom(sqs.Name, port, model.Referencing(sqs)));
        AddKindSize(sqs.Name, "Deployment", sqs.Name);
    }

    private void AddKeda(SqsEmulatorResource sqs)
    {
        // The task queues: those with a dead-letter queue, or every queue when none has one.
        var declared = (sqs.Queues.Where(q => q.DeadLetterQueue is not null).ToList() is { Count: > 0 } withDlq ? withDlq : sqs.Queues)
            .Select(q => q.Name).ToList();
        var consumers = model.All<ProjectResource>().Where(p => PublishedModel.References(p).Contains(sqs) && !model.IsCalled(p));
        var authenticated = false;
        foreach (var consumer in consumers)
        {
            // A pool that says which queues it serves scales on theirs alone; another on every declared one.
            var queues = consumer.TryGetLastAnnotation<TaskQueuesAnnotation>(out var served)
                ? served.Queues.SelectMany(KedaManifests.SqsQueuesOf).ToList()
                : declared;
            if (queues.Count == 0)
            {
                continue;
            }
            if (!authenticated)
            {
                _keda.AddResource(KedaManifests.Authentication());
                authenticated = true;
            }
            _keda.AddResource(KedaManifests.Create(consumer, queues));
            // KEDA owns the replica count; the Deployment's would reset it on every apply.
            (_keda.Kustomization.Patches ??= []).Add(JsonPatch("apps", "v1", "Deployment", consumer.Name, new JsonPatchOperation("remove", "/spec/replicas")));
            (_kindKeda.Kustomization.Patches ??= []).Add(JsonPatch("keda.sh", "v1alpha1", ScaledObject.KubeKind, consumer.Name,
                queues.SelectMany((queue, i) => new[]
                {
                    new JsonPatchOperation("add", $"/spec/triggers/{i}/metadata/awsEndpoint", KedaManifests.EmulatorEndpoint(sqs, KubernetesPublisher.Namespace)),
                    new JsonPatchOperation("replace", $"/spec/triggers/{i}/metadata/queueURL", KedaManifests.EmulatorQueueUrl(sqs, queue, KubernetesPublisher.Namespace)),
                }).ToArray()));
        }
        // KEDA's operator asks the emulator for the queue depth from its own namespace.
        var fromKeda = PolicyManifests.IngressOnlyFrom(sqs.Name, PublishedModel.Container(sqs).Port, [], [KedaManifests.OperatorNamespace]);
        fromKeda.Metadata.Name = $"{sqs.Name}-from-keda";
        _kindKeda.AddResource(fromKeda);
    }

    private void AddKindSize(string name, string kind, string container)
    {
        var size = ContainerSizes.Kind(container).ToRequirements();
        var template = new V1PodTemplateSpec { Spec = new V1PodSpec { Containers = [new V1Container { Name = container, Resources = size }] } };
        object patch = kind == "StatefulSet"
            ? new V1StatefulSet { ApiVersion = "apps/v1", Kind = kind, Metadata = new V1ObjectMeta { Name = name }, Spec = new V1StatefulSetSpec { Template = template } }
            : new V1Deployment { ApiVersion = "apps/v1", Kind = kind, Metadata = new V1ObjectMeta { Name = name }, Spec = new V1DeploymentSpec { Template = template } };
        _kind.AddPatch(name, kind, patch);
    }

    private static Kustomization Overlay(string resources, string? component = null) => new()
    {
        Namespace = KubernetesPublisher.Namespace,
        Resources = [resources],
        Components = component is null ? null : [component],
    };

    private static List<string> ImagesOf(IEnumerable<IResource> resources) =>
        resources.Select(r => PublishedModel.Container(r).Image).Distinct().ToList();

    private static KustomizePatch JsonPatch(string group, string version, string kind, string name, params JsonPatchOperation[] operations) => new()
    {
        Target = new KustomizeTarget { Group = group, Version = version, Kind = kind, Name = name },
        Patch = JsonSerializer.Serialize(operations, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }),
    };
}
