using System.Globalization;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// A Vite app of the repository, run with its dev server after <c>npm ci</c> on first run.
/// References become environment variables its <c>vite.config.ts</c> reads (the Api's address).
/// </summary>
public sealed class ViteAppResource(string name, string appDirectory) : Resource(name), IResourceWithHttpEndpoint, IResourceWithEnvironment
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private SupervisedProcess? _process;
    private int _port;

    public string AppDirectory { get; } = appDirectory;

    public int RequestedPort { get; set; }

    public bool HasHttpEndpoint { get; set; }

    /// <summary>The port the published app's web server (nginx, serving the production build) listens on.</summary>
    public const int ContainerPort = 8080;

    /// <summary>What the published app's web server answers for readiness and liveness (the build has no Api of its own).</summary>
    public override ContainerSpec Container => new($"jobplatform/{Name}", ContainerPort, "/health", "/alive");

    public Dictionary<string, string> Environment { get; } = [];

    public Uri Url => new($"http://localhost:{(_port != 0 ? _port : RequestedPort)}");

    public override string? DisplayUrl => Url.ToString().TrimEnd('/');

    internal override IEnumerable<(int Port, string Option)> FixedPorts => RequestedPort == 0 ? [] : [(RequestedPort, $"--{Name}-port")];

    internal override async Task StartAsync(AppHostContext context, CancellationToken ct)
    {
        var directory = Path.Combine(context.RepositoryRoot, AppDirectory);
        await NpmInstaller.EnsureInstalledAsync(Name, directory, context.Log, ct);
        _port = RequestedPort == 0 ? Ports.FindFree() : RequestedPort;

        var environment = new Dictionary<string, string?> { ["BROWSER"] = "none", ["NO_COLOR"] = "1" };
        AddReferenceEnvironment(environment);
        foreach (var (key, value) in Environment)
        {
            environment[key] = value;
        }

        var vite = Path.Combine("node_modules", "vite", "bin", "vite.js");
        _process = new SupervisedProcess(Name, new ProcessSpec(
            "node", [vite, "--port", _port.ToString(CultureInfo.InvariantCulture), "--strictPort", "--host", "localhost"], directory, environment), context.Log);
        _process.Start();
        await HealthWaiter.WaitAsync(Name, _process, token => HealthWaiter.HttpOkAsync(Url, token), StartTimeout, context.Log, ct);
    }

    internal override Task StopAsync() => _process?.StopAsync() ?? Task.CompletedTask;

    internal SupervisedProcess? Process => _process;
}
