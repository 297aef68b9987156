using System.Globalization;
using JobPlatform.AppHost.Hosting;
using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// The Vite app, published as its production build behind nginx (deploy/images/web.Dockerfile). The
/// nginx configuration is the ConfigMap: it serves the build, answers the probes, and sends
/// <c>/api</c> where the app's reference to the Api points, as the Vite dev server's proxy does.
/// </summary>
internal static class WebManifests
{
    public const string ConfigKey = "default.conf";

    /// <summary>Where the unprivileged nginx image reads server blocks from.</summary>
    public const string ConfigDirectory = "/etc/nginx/conf.d";

    /// <summary>The access log: in the nginx image, a link to the container's standard output.</summary>
    public const string AccessLogPath = "/var/log/nginx/access.log";

    /// <summary>What an access_token's value is logged as.</summary>
    public const string Redacted = "REDACTED";

    public static async Task<V1ConfigMap> ConfigMapAsync(ViteAppResource app, CancellationToken ct)
    {
        var environment = await ContainerEnvironment.EvaluateAsync(app, ct);
        var api = environment.TryGetValue("services__api__http__0", out var value) && value is EndpointReference endpoint
            ? ClusterValues.For(app, "services__api__http__0", endpoint).Value!
            : throw new DistributedApplicationException($"'{app.Name}' must reference the Api to be published: its build calls /api.");
        return new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = PodDefaults.Metadata(app.Name, app.Name),
            Data = new Dictionary<string, string> { [ConfigKey] = NginxConfig(PublishedModel.Container(app), api) },
        };
    }

    private static string NginxConfig(ContainerSpec container, string apiUrl) => $$"""
        # Access tokens never reach the access log. The console's event stream carries one in its query
        # (?access_token=, since a browser's EventSource cannot send headers; the Api reads the name in any
        # case): a request is logged with its value replaced, every other parameter kept, and a query with
        # more than one is logged as {{Redacted}} whole.
        map $request_uri $redacted_request_uri {
            "~*^(?<redact_path>[^?]*)\?(.*&)?access_token=.*&access_token=" "${redact_path}?{{Redacted}}";
            "~*^(?<redact_head>[^?]*\?(.*&)?access_token=)[^&]*(?<redact_tail>.*)$" "${redact_head}{{Redacted}}${redact_tail}";
            default $request_uri;
        }

        # nginx's combined format with the image's X-Forwarded-For, the request line's URI redacted.
        log_format redacted '$remote_addr - $remote_user [$time_local] "$request_method $redacted_request_uri $server_protocol" '
                            '$status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"';

        # The console's production build, and /api sent to the Api (what the Vite dev server's proxy does).
        server {
            listen {{container.Port.ToString(CultureInfo.InvariantCulture)}};
            server_name _;
            root /usr/share/nginx/html;
            access_log {{AccessLogPath}} redacted;

            location = {{container.ReadinessPath}} {
                access_log off;
                default_type text/plain;
                return 200 "Healthy";
            }

            location = {{container.LivenessPath}} {
                access_log off;
                default_type text/plain;
                return 200 "Healthy";
            }

            location /api/ {
                proxy_pass {{apiUrl}};
                proxy_http_version 1.1;
                proxy_set_header Host $host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header X-Forwarded-Proto $scheme;
                # Server-Sent Events (/api/v1/events) go out as they are written.
                proxy_buffering off;
                proxy_read_timeout 1h;
            }

            location /assets/ {
                expires 1y;
                add_header Cache-Control "public, immutable";
            }

            location / {
                try_files $uri /index.html;
            }
        }

        """;

    public static V1Deployment Deployment(ViteAppResource app)
    {
        var container = PublishedModel.Container(app);
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = PodDefaults.Metadata(app.Name, app.Name),
            Spec = new V1DeploymentSpec
            {
                Replicas = 2,
                Selector = new V1LabelSelector { MatchLabels = KubeLabels.Selector(app.Name) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = KubeLabels.For(app.Name, app.Name) },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        SecurityContext = PodDefaults.PodSecurity(PodDefaults.NginxUserId),
                        Containers =
                        [
                            new V1Container
                            {
                                Name = app.Name,
                                Image = container.Image,
                                ImagePullPolicy = "IfNotPresent",
                                Ports = [new V1ContainerPort { Name = PodDefaults.HttpPortName, ContainerPort = container.Port, Protocol = "TCP" }],
                                Resources = ContainerSizes.Base(app.Name).ToRequirements(),
                                StartupProbe = PodDefaults.Startup(container.LivenessPath),
                                ReadinessProbe = PodDefaults.Readiness(container.ReadinessPath),
                                LivenessProbe = PodDefaults.Liveness(container.LivenessPath),
                                SecurityContext = PodDefaults.ContainerSecurity(),
                                VolumeMounts =
                                [
                                    PodDefaults.TmpMount(),
                                    new V1VolumeMount { Name = "config", MountPath = ConfigDirectory, ReadOnlyProperty = true },
                                ],
                            },
                        ],
                        Volumes =
                        [
                            PodDefaults.EmptyDir(PodDefaults.TmpVolume),
                            new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = app.Name } },
                        ],
                    },
                },
            },
        };
    }
}
