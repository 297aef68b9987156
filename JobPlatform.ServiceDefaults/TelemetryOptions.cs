using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>How much the services trace. Bound from <c>Telemetry</c>; export follows the standard <c>OTEL_*</c> variables.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>
    /// The share of new traces recorded, from 0 to 1; a job's tasks follow their submission's
    /// decision, so a job is traced whole or not at all. Defaults to 1 when traces are exported
    /// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), else 0: recording spans nobody receives cost
    /// the benchmark a quarter of its throughput. A caller's sampled trace is followed either way.
    /// </summary>
    public double? TraceSampleRatio { get; set; }
}

/// <summary>
/// Parent-based ratio sampling, except that a trace never starts at an outgoing call: a worker's
/// empty receives, the relay's idle polls and background SQL would otherwise each make a trace of
/// their own. Work a trace follows starts at an incoming request or inside a traced operation.
/// </summary>
internal sealed class JobPlatformSampler(double ratio) : Sampler
{
    private readonly ParentBasedSampler _sampler = new(new TraceIdRatioBasedSampler(ratio));

    public override SamplingResult ShouldSample(in SamplingParameters parameters) =>
        parameters.ParentContext.TraceId == default && parameters.Kind is ActivityKind.Client or ActivityKind.Producer
            ? new SamplingResult(SamplingDecision.Drop)
            : _sampler.ShouldSample(parameters);
}
