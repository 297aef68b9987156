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
    /// <param name="type">The task type, as jobs name it (for example <c>resize-image</c>): lower-case letters, digits, '.', '_' and '-'.</param>
    /// <param name="configure">Describes the type and sets how its failures are treated, e.g. <c>o =&gt; o.NonRetryable&lt;ArgumentException&gt;()</c>.</param>
    public JobPlatformWorkerBuilder AddTaskHandler<THandler>(string type, Action<TaskHandlerOptions>? configure = null) where THandler : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        if (!Contracts.TaskTypeNames.IsValid(type))
        {
            throw new ArgumentException(
                $"'{type}' cannot be a task type's name: use 1 to {Contracts.TaskTypeNames.MaxLength} lower-case letters, digits, '.', '_' or '-', starting with a letter or digit (for example resize-image).",
                nameof(type));
        }
        if (Registrations().FirstOrDefault(r => r.Type == type) is { } existing)
        {
            throw new InvalidOperationException(
                $"Task type '{type}' already has a handler, {existing.HandlerType.Name}, so {typeof(THandler).Name} cannot be added for it. " +
                $"Each task type has one handler: remove one of the AddTaskHandler calls for '{type}'.");
        }
        var options = new TaskHandlerOptions();
        configure?.Invoke(options);
        if (options.MaxAttempts is < 1 or > Contracts.JobLimits.MaxMaxAttempts)
        {
            throw new ArgumentException($"MaxAttempts of task type '{type}' must be from 1 to {Contracts.JobLimits.MaxMaxAttempts}; it was {options.MaxAttempts}.", nameof(configure));
        }
        if (options.RetryBackoff?.Problems("retryBackoff").FirstOrDefault() is { Message: { } problem })
        {
            throw new ArgumentException($"The retry backoff of task type '{type}' is out of range: {problem}", nameof(configure));
        }
        if (options.Queue is { } queue && !Contracts.QueueNames.IsValid(queue))
        {
            throw new ArgumentException($"Queue '{queue}' of task type '{type}' is not a queue's name. {Contracts.QueueNames.Rule}", nameof(configure));
        }
        Services.AddSingleton(TaskHandlerRegistration.Create(type, typeof(THandler), options));
        Services.TryAddScoped<THandler>();
        return this;
    }

    private IEnumerable<TaskHandlerRegistration> Registrations() =>
        Services.Where(d => !d.IsKeyedService && d.ServiceType == typeof(TaskHandlerRegistration))
            .Select(d => d.ImplementationInstance)
            .OfType<TaskHandlerRegistration>();
}
