using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using JobPlatform.AppHost.Hosting;
using JobPlatform.AppHost.Publishing;
using JobPlatform.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace JobPlatform.Tests.Kubernetes;

/// <summary>
/// The console's nginx as published: the web ConfigMap's configuration, from the publisher, run by
/// Debian's nginx (which .ci/run installs) in front of a small local listener standing in for the Api.
/// An event stream's <c>?access_token=</c> reaches the Api, and never the access log.
/// </summary>
public sealed class PublishedWebProxyTests : IAsyncLifetime
{
    private const string NginxPath = "/usr/sbin/nginx";

    /// <summary>The published configuration, and the Api's address in it. Publishing reads the model only, so once is enough.</summary>
    private static readonly Lazy<Task<(string Config, string ApiUrl, ContainerSpec Container)>> Published = new(PublishAsync);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"jobplatform-nginx-{Guid.NewGuid():N}");
    private readonly ConcurrentQueue<string> _received = new();
    private WebApplication? _api;
    private Process? _nginx;
    private HttpClient? _http;

    private string AccessLog => Path.Combine(_directory, "access.log");

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(NginxPath), $"{NginxPath} is missing: apt-get install nginx");
        Directory.CreateDirectory(Path.Combine(_directory, "html"));

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _api = builder.Build();
        _api.Run(context =>
        {
            _received.Enqueue(context.Request.Path + context.Request.QueryString);
            return context.Response.WriteAsync("ok");
        });
        await _api.StartAsync();

        var (published, apiUrl, container) = await Published.Value;
        var port = FreePort();
        // Only where it listens, logs and finds the Api and the build move to this machine.
        var config = Moved(published,
            ($"listen {container.Port};", $"listen 127.0.0.1:{port};"),
            ($"proxy_pass {apiUrl};", $"proxy_pass {_api.Urls.Single()};"),
            ($"access_log {WebManifests.AccessLogPath} ", $"access_log {AccessLog} "),
            ("root /usr/share/nginx/html;", $"root {Path.Combine(_directory, "html")};"));
        await File.WriteAllTextAsync(Path.Combine(_directory, WebManifests.ConfigKey), config);
        await File.WriteAllTextAsync(Path.Combine(_directory, "nginx.conf"), $$"""
            daemon off;
            master_process off;
            pid {{_directory}}/nginx.pid;
            error_log {{_directory}}/error.log;
            events { worker_connections 64; }
            http {
                client_body_temp_path {{_directory}}/client_body;
                proxy_temp_path {{_directory}}/proxy;
                fastcgi_temp_path {{_directory}}/fastcgi;
                uwsgi_temp_path {{_directory}}/uwsgi;
                scgi_temp_path {{_directory}}/scgi;
                include {{_directory}}/{{WebManifests.ConfigKey}};
            }
            """);

        var start = new ProcessStartInfo(NginxPath, ["-p", _directory + "/", "-c", Path.Combine(_directory, "nginx.conf"), "-e", Path.Combine(_directory, "error.log")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _nginx = Process.Start(start)!;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.Until(async () =>
        {
            try
            {
                using var response = await _http.GetAsync(container.ReadinessPath);
                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return (HttpStatusCode?)null;
            }
        }, status => status == HttpStatusCode.OK || _nginx.HasExited, TimeSpan.FromSeconds(30), status => $"nginx answers {status?.ToString() ?? "nothing"}{ErrorLog()}");
        if (_nginx.HasExited)
        {
            Assert.Fail($"nginx exited with {_nginx.ExitCode}: {await _nginx.StandardError.ReadToEndAsync()}{ErrorLog()}");
        }
    }

    [Theory]
    [InlineData("access_token=secret123&jobId=x", "/api/v1/events?access_token=REDACTED&jobId=x")]
    [InlineData("jobId=x&access_token=secret123", "/api/v1/events?jobId=x&access_token=REDACTED")]
    // The Api reads the parameter's name in any case.
    [InlineData("Access_Token=secret123&jobId=x", "/api/v1/events?Access_Token=REDACTED&jobId=x")]
    [InlineData("access_token=secret123&jobId=x&access_token=secret456", "/api/v1/events?REDACTED")]
    [InlineData("jobId=x&after=5", "/api/v1/events?jobId=x&after=5")]
    public async Task EventStreamToken_ReachesTheApi_ButNotTheAccessLog(string query, string logged)
    {
        using var response = await _http!.GetAsync($"/api/v1/events?{query}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Proxied as it came: only the log is redacted.
        Assert.Equal([$"/api/v1/events?{query}"], _received.ToArray());
        var lines = await Eventually.Until(() => Task.FromResult(File.Exists(AccessLog) ? File.ReadAllLines(AccessLog) : []),
            lines => lines.Length > 0, TimeSpan.FromSeconds(10), _ => $"nothing in the access log{ErrorLog()}");
        var line = Assert.Single(lines);
        Assert.Contains($"\"GET {logged} HTTP/1.1\" 200 ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", line, StringComparison.Ordinal);
    }

    private static async Task<(string Config, string ApiUrl, ContainerSpec Container)> PublishAsync()
    {
        await using var graph = await DeclaredGraph.CreateAsync();
        var web = graph.Resources.OfType<ViteAppResource>().Single();
        var api = graph.Resources.OfType<ProjectResource>().Single(p => p.Name == "api");
        var configMap = await WebManifests.ConfigMapAsync(web, CancellationToken.None);
        return (configMap.Data[WebManifests.ConfigKey], ClusterValues.ServiceUrl(api), PublishedModel.Container(web));
    }

    /// <summary><paramref name="config"/> with each text replaced; each must be there, so a changed configuration fails here rather than testing something else.</summary>
    private static string Moved(string config, params (string From, string To)[] replacements)
    {
        foreach (var (from, to) in replacements)
        {
            Assert.True(config.Contains(from, StringComparison.Ordinal), $"the published nginx configuration has no '{from}':\n{config}");
            config = config.Replace(from, to, StringComparison.Ordinal);
        }
        return config;
    }

    private string ErrorLog()
    {
        var path = Path.Combine(_directory, "error.log");
        return File.Exists(path) ? $"\nnginx's error log:\n{File.ReadAllText(path)}" : "";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_nginx is not null)
        {
            if (!_nginx.HasExited)
            {
                _nginx.Kill();
                await _nginx.WaitForExitAsync();
            }
            _nginx.Dispose();
        }
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
        Directory.Delete(_directory, recursive: true);
    }
}
