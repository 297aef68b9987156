using JobPlatform.AppHost.Dashboard.Telemetry;
using JobPlatform.AppHost.Hosting;

namespace JobPlatform.AppHost.Dashboard.Apis;

/// <summary>What the dashboard's handlers read: the graph, its health, its console lines and its telemetry.</summary>
internal sealed record DashboardServices(ResourceCatalog Catalog, HealthMonitor Health, ResourceLog Log, TelemetryStore Store, TimeProvider Clock);

/// <summary>Unix nanoseconds as the milliseconds JavaScript's Date takes (microseconds kept as the fraction).</summary>
internal static class UnixTime
{
    public static double Milliseconds(long unixNano) => unixNano / 1_000_000d;
}
