using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using JobPlatform.AppHost.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobPlatform.AppHost.Dashboard;

/// <summary>
/// An ASP.NET Core app hosted inside the AppHost: Kestrel on 127.0.0.1 only, no configuration files
/// or environment variables read, its warnings written to the AppHost's log, and no signal handling
/// of its own (the AppHost decides when it stops).
/// </summary>
internal static class EmbeddedWebApp
{
    /// <param name="protocols">HTTP/1.1 by default; HTTP/2 alone for gRPC, which a cleartext port can only speak with prior knowledge.</param>
    public static WebApplicationBuilder CreateBuilder(string name, int port, ResourceLog log, long maxRequestBodySize, HttpProtocols protocols = HttpProtocols.Http1)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(EmbeddedWebApp).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = protocols);
            kestrel.Limits.MaxRequestBodySize = maxRequestBodySize;
            kestrel.AddServerHeader = false;
        });
        builder.Services.AddRouting();
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        });
        // The AppHost owns SIGINT and SIGTERM: it stops this app after every resource.
        builder.Services.AddSingleton<IHostLifetime, OwnedLifetime>();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(new ResourceLogLoggerProvider(name, log));
        return builder;
    }

    /// <summary>The address Kestrel listens on, once started (the actual port when 0 was asked for).</summary>
    public static int BoundPort(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Uri(address).Port;
    }

    private sealed class OwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class ResourceLogLoggerProvider(string source, ResourceLog log) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(source, categoryName, log);

        public void Dispose()
        {
        }

        private sealed class Logger(string source, string category, ResourceLog log) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    log.Info(source, $"{logLevel.ToString().ToLowerInvariant()}: {category}: {formatter(state, exception)}{(exception is null ? "" : $" {exception}")}");
                }
            }
        }
    }
}
