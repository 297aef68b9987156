using System.Text.Json.Nodes;
using JobPlatform.Contracts;

namespace JobPlatform.Worker.Sdk.Handlers;

/// <summary>
/// One task type's handler as registered: the handler class that runs it, how its failures are
/// treated, and how a grant's JSON input reaches the handler's typed one.
/// </summary>
internal abstract class TaskHandlerRegistration(string type, Type handlerType, TaskHandlerOptions options)
{
    /// <summary>The task type, as submitted (for example <c>resize-image</c>).</summary>
    public string Type { get; } = type;

    public Type HandlerType { get; } = handlerType;

    public TaskHandlerOptions Options { get; } = options;

    /// <summary>The JSON Schema of the handler's input, registered with the Api, which checks each submitted input against it.</summary>
    public abstract System.Text.Json.Nodes.JsonObject InputSchema { get; }

    /// <summary>
    /// Reads the grant's input, runs the handler resolved from <paramref name="services"/> (the
    /// attempt's own scope) and returns its result as JSON. An unreadable input throws
    /// <see cref="NonRetryableTaskException"/> before the handler is made.
    /// </summary>
    public abstract Task<JsonNode?> RunAsync(IServiceProvider services, TaskGrant grant, IProgress<TaskProgress> progress, CancellationToken ct);

    /// <summary>The registration of <paramref name="handlerType"/>, which must implement <see cref="ITaskHandler{TInput, TResult}"/> once.</summary>
    public static TaskHandlerRegistration Create(string type, Type handlerType, TaskHandlerOptions options)
    {
        var contracts = handlerType.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ITaskHandler<,>))
            .ToList();
        if (contracts.Count != 1)
        {
            throw new ArgumentException(
                $"{handlerType.Name} cannot handle task type '{type}': a handler implements ITaskHandler<TInput, TResult> exactly once, and it implements it {contracts.Count} times.",
                nameof(handlerType));
        }
        var arguments = contracts[0].GetGenericArguments();
        var registration = typeof(TaskHandlerRegistration<,,>).MakeGenericType(handlerType, arguments[0], arguments[1]);
        return (TaskHandlerRegistration)Activator.CreateInstance(registration, type, options)!;
    }
}

internal sealed class TaskHandlerRegistration<THandler, TInput, TResult>(string type, TaskHandlerOptions options)
    : TaskHandlerRegistration(type, typeof(THandler), options)
    where THandler : class, ITaskHandler<TInput, TResult>
{
    public override JsonObject InputSchema { get; } = TaskJson.SchemaOf<TInput>();

    public override async Task<JsonNode?> RunAsync(IServiceProvider services, TaskGrant grant, IProgress<TaskProgress> progress, CancellationToken ct)
    {
        var input = TaskJson.ReadInput<TInput>(grant.Input);
        var handler = services.GetRequiredService<THandler>();
        var context = new TaskContext(grant.TaskId, grant.JobId, grant.Index, grant.Attempt, grant.MaxAttempts, grant.TenantId,
            services.GetRequiredService<ILogger<THandler>>(), progress);
        return TaskJson.WriteResult(await handler.HandleAsync(input, context, ct));
    }
}
