using System.Text.Json;
using JobPlatform.AppHost.Hosting;
using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// Turns the graph's resource model into a kustomize tree, as Aspirate does for an Aspire AppHost:
/// <c>base</c> (the services, PostgreSQL, the migration Job, scaling and network policies),
/// <c>overlays/kind</c> (the SQS emulator in the cluster, small sizes), <c>overlays/aws</c> (real SQS,
/// an external PostgreSQL from Secrets), the optional <c>components/keda</c> (workers scaled on queue
/// depth) and <c>overlays/kind-keda</c> (kind with it).
/// </summary>
public static class KubernetesPublisher
{
    /// <summary>The namespace the overlays deploy into.</summary>
    public const string Namespace = "jobplatform";

    /// <summary>The tag the kind overlay runs (the images docs/kubernetes.md builds and loads).</summary>
    public const string KindImageTag = "dev";

    /// <summary>Where the aws overlay expects the images until it is edited to name a real registry.</summary>
    public const string AwsRegistryPlaceholder = "registry.example.com";

    /// <summary>The tag the aws overlay expects until it is edited.</summary>
    public const string AwsTagPlaceholder = "1.0.0";

    /// <summary>The subfolders of the output folder that publishing owns and rewrites.</summary>
    public static readonly IReadOnlyList<string> PublishedFolders = ["base", "overlays", "components"];

    /// <summary>Writes the tree into <paramref name="outputDirectory"/> (its published folders are replaced) and returns the files written.</summary>
    public static IReadOnlyList<string> Publish(DistributedApplicationBuilder model, string outputDirectory)
    {
        var directories = new PublishedTree(model).Build();
        foreach (var folder in PublishedFolders)
        {
            var path = Path.Combine(outputDirectory, folder);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        return directories.SelectMany(d => d.Write(outputDirectory)).ToList();
    }

    /// <summary>The directories of one publish run, built from one model.</summary>
    private sealed class PublishedTree(DistributedApplicationBuilder model)
    {
        private readonly ManifestDirectory _base = new("base", new Kustomization());
        private readonly ManifestDirectory _kind = new(Path.Combine("overlays", "kind"), new Kustomization { Namespace = Namespace, Resources = ["../../base"] });
        private readonly ManifestDirectory _aws = new(Path.Combine("overlays", "aws"), new Kustomization { Namespace = Namespace, Resources = ["../../base"] });
        private readonly ManifestDirectory _keda = new(Path.Combine("components", "keda"), Kustomization.Component());
        private readonly ManifestDirectory _kindKeda = new(Path.Combine("overlays", "kind-keda"), new Kustomization { Namespace = Namespace, Resources = ["../kind"], Components = ["../../components/keda"] });

        private static List<string> ImagesOf(IEnumerable<Resource> resources) =>
            resources.Select(r => r.Container?.Image).OfType<string>().Distinct().ToList();

        private IEnumerable<T> All<T>() => model.Resources.OfType<T>();

        public IReadOnlyList<ManifestDirectory> Build()
        {
            var secrets = new List<(Resource Owner, SecretKey Key)>();
            foreach (var project in All<ProjectResource>())
            {
                secrets.AddRange(AddProject(project));
            }
            foreach (var app in All<ViteAppResource>())
            {
                AddWebApp(app);
            }
            foreach (var server in All<PostgresServerResource>())
            {
                AddPostgres(server, secrets);
            }
            foreach (var sqs in All<SqsEmulatorResource>())
            {
                AddSqsEmulator(sqs, secrets);
                AddKeda(sqs);
            }
            AddGeneratedSecrets(secrets);

            foreach (var overlay in new[] { _kind, _aws })
            {
                overlay.AddResource(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = Namespace, Labels = new Dictionary<string, string> { [KubeLabels.PartOf] = KubeLabels.Application } } });
            }
            _kind.Kustomization.Images = ImagesOf(model.Resources)
                .Select(image => new KustomizeImage { Name = image, NewTag = KindImageTag }).ToList();
            // Placeholders: docs/kubernetes.md says to point them at the registry the images are pushed to.
            _aws.Kustomization.Images = ImagesOf(model.Resources.Where(r => r is not SqsEmulatorResource))
                .Select(image => new KustomizeImage { Name = image, NewName = $"{AwsRegistryPlaceholder}/{image}", NewTag = AwsTagPlaceholder }).ToList();
            return [_base, _kind, _aws, _keda, _kindKeda];
        }

        private List<(Resource Owner, SecretKey Key)> AddProject(ProjectResource project)
        {
            var environment = ContainerEnvironment.For(project);
            // A project others call over HTTP scales on CPU; a queue consumer keeps the model's count
            // (or KEDA's, on queue depth).
            var autoscaled = project.HasHttpEndpoint;
            _base.AddResource(ProjectManifests.ConfigMap(project, environment));
            _base.AddResource(ProjectManifests.Deployment(project, environment, managedReplicas: autoscaled));
            if (project.HasHttpEndpoint)
            {
                _base.AddResource(ProjectManifests.Service(project.Name, project.Container.Port));
                _base.AddResource(PolicyManifests.CpuAutoscaler(project));
                _base.AddResource(PolicyManifests.IngressOnlyFrom(project.Name, project.Container.Port, Referencing(project), [PolicyManifests.IngressNamespace]));
            }
            _base.AddResource(PolicyManifests.DisruptionBudget(project.Name));
            if (project.ReferencedResources.OfType<PostgresDatabaseResource>().Any())
            {
                _base.AddResource(ProjectManifests.MigrationJob(project, environment));
            }

            if (environment.EmulatorOnly.Count > 0)
            {
                _kind.AddPatch(project.Name, "ConfigMap", new V1ConfigMap
                {
                    ApiVersion = "v1",
                    Kind = "ConfigMap",
                    Metadata = new V1ObjectMeta { Name = project.Name },
                    Data = new Dictionary<string, string>(environment.EmulatorOnly, StringComparer.Ordinal),
                });
            }
            AddKindSize(project.Name, "Deployment", project.Name);
            return environment.Secrets;
        }

        private void AddWebApp(ViteAppResource app)
        {
            _base.AddResource(WebManifests.ConfigMap(app));
            _base.AddResource(WebManifests.Deployment(app));
            _base.AddResource(ProjectManifests.Service(app.Name, app.Container.Port));
            _base.AddResource(PolicyManifests.DisruptionBudget(app.Name));
            AddKindSize(app.Name, "Deployment", app.Name);
        }

        private void AddPostgres(PostgresServerResource server, List<(Resource Owner, SecretKey Key)> secrets)
        {
            _base.AddResource(PostgresManifests.ConfigMap(server));
            _base.AddResource(PostgresManifests.PasswordSecret(server));
            _base.AddResource(PostgresManifests.Service(server));
            _base.AddResource(PostgresManifests.StatefulSet(server));
            var clients = server.DatabaseResources.SelectMany(Referencing).ToList();
            var migrators = All<ProjectResource>()
                .Where(p => p.ReferencedResources.Any(r => r is PostgresDatabaseResource d && d.Server == server))
                .Select(ProjectManifests.MigrationJobName);
            _base.AddResource(PolicyManifests.IngressOnlyFrom(server.Name, PostgresServerResource.ContainerPort, clients.Concat(migrators).Distinct()));
            AddKindSize(server.Name, "StatefulSet", server.Name);

            // The aws overlay uses an external PostgreSQL: no server, and a connection Secret of its own.
            _aws.AddPatch(server.Name, "StatefulSet", Delete("apps/v1", "StatefulSet", server.Name));
            _aws.AddPatch(server.Name, "Service", Delete("v1", "Service", server.Name));
            _aws.AddPatch(server.Name, "ConfigMap", Delete("v1", "ConfigMap", server.Name));
            _aws.AddPatch(server.PasswordSecretName, "Secret", Delete("v1", "Secret", server.PasswordSecretName));
            _aws.AddPatch(server.Name, "NetworkPolicy", Delete("networking.k8s.io/v1", "NetworkPolicy", server.Name));
            foreach (var database in server.DatabaseResources)
            {
                var keys = secrets.Where(s => s.Owner == database).Select(s => s.Key).ToList();
                if (keys.Count == 0)
                {
                    continue;
                }
                _base.AddResource(PostgresManifests.ConnectionSecret(database, keys));
                _aws.AddPatch(database.ConnectionSecretName, "Secret", Delete("v1", "Secret", database.ConnectionSecretName));
            }
        }

        /// <summary>
        /// The secrets the AppHost generates for each run (credentials, the token signing key): one
        /// Secret with development values for kind; the aws overlay expects the Secret to be created.
        /// </summary>
        private void AddGeneratedSecrets(List<(Resource Owner, SecretKey Key)> secrets)
        {
            foreach (var group in secrets.Where(s => s.Owner is SecretResource).Select(s => s.Key).Distinct().GroupBy(k => k.SecretName))
            {
                _base.AddResource(new V1Secret
                {
                    ApiVersion = "v1",
                    Kind = "Secret",
                    Metadata = new V1ObjectMeta { Name = group.Key, Labels = new Dictionary<string, string> { [KubeLabels.PartOf] = KubeLabels.Application } },
                    Type = "Opaque",
                    StringData = group.OrderBy(k => k.Key, StringComparer.Ordinal).ToDictionary(k => k.Key, k => k.DevelopmentValue, StringComparer.Ordinal),
                });
                _aws.AddPatch(group.Key, "Secret", Delete("v1", "Secret", group.Key));
            }
        }

        private void AddSqsEmulator(SqsEmulatorResource sqs, List<(Resource Owner, SecretKey Key)> secrets)
        {
            _kind.AddResource(SqsEmulatorManifests.ConfigMap(sqs));
            _kind.AddResource(SqsEmulatorManifests.CredentialsSecret(secrets.Where(s => s.Owner == sqs).Select(s => s.Key)));
            _kind.AddResource(SqsEmulatorManifests.Deployment(sqs));
            _kind.AddResource(ProjectManifests.Service(sqs.Name, sqs.Container.Port));
            _kind.AddResource(PolicyManifests.IngressOnlyFrom(sqs.Name, sqs.Container.Port, Referencing(sqs)));
            AddKindSize(sqs.Name, "Deployment", sqs.Name);
        }

        private void AddKeda(SqsEmulatorResource sqs)
        {
            // The task queues: those with a dead-letter queue, or every queue when none has one.
            var queues = sqs.QueueDefinitions.Where(q => q.DeadLetterQueue is not null).ToList() is { Count: > 0 } withDlq ? withDlq : sqs.QueueDefinitions.ToList();
            if (queues.Count == 0)
            {
                return;
            }
            foreach (var consumer in Referencing(sqs).Select(name => All<ProjectResource>().Single(p => p.Name == name)).Where(p => !p.HasHttpEndpoint))
            {
                foreach (var resource in KedaManifests.Create(consumer, queues))
                {
                    _keda.AddResource(resource);
                }
                // KEDA owns the replica count; the Deployment's would reset it on every apply.
                (_keda.Kustomization.Patches ??= []).Add(JsonPatch("apps", "v1", "Deployment", consumer.Name, new JsonPatchOperation("remove", "/spec/replicas")));
                (_kindKeda.Kustomization.Patches ??= []).Add(JsonPatch("keda.sh", "v1alpha1", ScaledObject.KubeKind, consumer.Name,
                    queues.SelectMany((queue, i) => new[]
                    {
                        new JsonPatchOperation("add", $"/spec/triggers/{i}/metadata/awsEndpoint", KedaManifests.EmulatorEndpoint(sqs, Namespace)),
                        new JsonPatchOperation("replace", $"/spec/triggers/{i}/metadata/queueURL", KedaManifests.EmulatorQueueUrl(sqs, queue, Namespace)),
                    }).ToArray()));
            }
            // KEDA's operator asks the emulator for the queue depth from its own namespace.
            var fromKeda = PolicyManifests.IngressOnlyFrom(sqs.Name, sqs.Container.Port, [], [KedaManifests.OperatorNamespace]);
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

        /// <summary>The names of the resources that reference <paramref name="resource"/>, in model order.</summary>
        private IEnumerable<string> Referencing(Resource resource) =>
            model.Resources.Where(r => r.ReferencedResources.Contains(resource)).Select(r => r.Name);

        private static SortedDictionary<string, object> Delete(string apiVersion, string kind, string name) => DeletePatch.For(apiVersion, kind, name);

        private static KustomizePatch JsonPatch(string group, string version, string kind, string name, params JsonPatchOperation[] operations) => new()
        {
            Target = new KustomizeTarget { Group = group, Version = version, Kind = kind, Name = name },
            Patch = JsonSerializer.Serialize(operations, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }),
        };
    }
}
