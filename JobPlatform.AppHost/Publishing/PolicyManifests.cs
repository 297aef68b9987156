using JobPlatform.AppHost.Hosting;
using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>Scaling and safety: the Api's CPU autoscaler, disruption budgets and network policies.</summary>
internal static class PolicyManifests
{
    /// <summary>The namespace an ingress controller runs in (ingress-nginx's default), allowed to reach the Api.</summary>
    public const string IngressNamespace = "ingress-nginx";

    /// <summary>The Api scales out up to this many times its model replica count.</summary>
    public const int ApiMaxScaleFactor = 5;

    /// <summary>Average CPU use, of the request, that the Api's autoscaler aims for.</summary>
    public const int ApiTargetCpuUtilization = 70;

    public static V2HorizontalPodAutoscaler CpuAutoscaler(ProjectResource project) => new()
    {
        ApiVersion = "autoscaling/v2",
        Kind = "HorizontalPodAutoscaler",
        Metadata = PodDefaults.Metadata(project.Name, project.Name),
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = project.Name },
            MinReplicas = Math.Max(1, PublishedModel.Replicas(project)),
            MaxReplicas = Math.Max(1, PublishedModel.Replicas(project)) * ApiMaxScaleFactor,
            Metrics =
            [
                new V2MetricSpec
                {
                    Type = "Resource",
                    Resource = new V2ResourceMetricSource
                    {
                        Name = "cpu",
                        Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = ApiTargetCpuUtilization },
                    },
                },
            ],
        },
    };

    /// <summary>At most one pod of <paramref name="name"/> down at once for a voluntary disruption (a node drain).</summary>
    public static V1PodDisruptionBudget DisruptionBudget(string name) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "PodDisruptionBudget",
        Metadata = PodDefaults.Metadata(name, name),
        Spec = new V1PodDisruptionBudgetSpec
        {
            MaxUnavailable = 1,
            Selector = new V1LabelSelector { MatchLabels = KubeLabels.Selector(name) },
        },
    };

    /// <summary>Only pods named in <paramref name="fromPods"/> (and pods in <paramref name="fromNamespaces"/>) may reach <paramref name="name"/>'s pods on <paramref name="port"/>.</summary>
    public static V1NetworkPolicy IngressOnlyFrom(string name, int port, IEnumerable<string> fromPods, IEnumerable<string>? fromNamespaces = null)
    {
        var peers = fromPods
            .Select(pod => new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = KubeLabels.Selector(pod) } })
            .Concat((fromNamespaces ?? []).Select(ns => new V1NetworkPolicyPeer
            {
                NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns } },
            }))
            .ToList();
        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = PodDefaults.Metadata(name, name),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = KubeLabels.Selector(name) },
                PolicyTypes = ["Ingress"],
                Ingress = [new V1NetworkPolicyIngressRule { FromProperty = peers, Ports = [new V1NetworkPolicyPort { Protocol = "TCP", Port = port }] }],
            },
        };
    }
}
