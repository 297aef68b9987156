using JobPlatform.Worker.Sdk.Handlers;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker.Sdk;

/// <summary>
/// The queues this replica receives from: <see cref="WorkerOptions.Queues"/> when set, else the
/// queues of the task types it has handlers for.
/// </summary>
internal sealed class WorkerQueues(IOptions<WorkerOptions> options, IEnumerable<TaskHandlerRegistration> handlers)
{
    public IReadOnlyList<string> Names { get; } = options.Value.Queues.Count > 0
        ? options.Value.Queues.Distinct(StringComparer.Ordinal).ToList()
        : handlers.Select(h => h.Options.Queue ?? Contracts.QueueNames.Default).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).DefaultIfEmpty(Contracts.QueueNames.Default).ToList();
}
