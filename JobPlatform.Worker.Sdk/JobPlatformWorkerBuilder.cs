using JobPlatform.Worker.Sdk.Handlers;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JobPlatform.Worker.Sdk;

/// <summary>Adds task handlers to a JobPlatform worker. Returned by <c>builder.AddJobPlatformWorker()</c>.</summary>
public sealed class JobPlatformWorkerBuilder
{
    internal JobPlatformWorkerBuilder(IServiceCollection services) => Services = services;

    public IServiceCollection Services { get; }

    /// <summary>
    /// Runs every task of <paramref name="type"/> with <typeparamref name="THandler"/>, an
    /// <see cref="ITaskHandler{TInput, TResult}"/> resolved from a scope of its own for each attempt
    /// (registered as scoped unless it already is registered). Each task type has one handler: adding
    /// a second for the same type throws.
    /// </summary>
    /// <param name="type">The task type, as jobs name it (for example <c>resize-image</c>); compared exactly.</param>
    /// <param name="configure">Sets how the type's failures are treated, e.g. <c>o =&gt; o.NonRetryable&lt;ArgumentException&gt;()</c>.</param>
    public JobPlatformWorkerBuilder AddTaskHandler<THandler>(string type, Action<TaskHandlerOptions>? configure = null) where THandler : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        if (Registrations().FirstOrDefault(r => r.Type == type) is { } existing)
        {
            throw new InvalidOperationException(
                $"Task type '{type}' already has a handler, {existing.HandlerType.Name}, so {typeof(THandler).Name} cannot be added for it. " +
                $"Each task type has one handler: remove one of the AddTaskHandler calls for '{type}'.");
        }
        var options = new TaskHandlerOptions();
        configure?.Invoke(options);
        Services.AddSingleton(TaskHandlerRegistration.Create(type, typeof(THandler), options));
        Services.TryAddScoped<THandler>();
        return this;
    }

    private IEnumerable<TaskHandlerRegistration> Registrations() =>
        Services.Where(d => !d.IsKeyedService && d.ServiceType == typeof(TaskHandlerRegistration))
            .Select(d => d.ImplementationInstance)
            .OfType<TaskHandlerRegistration>();
}
