namespace JobPlatform.Bench;

/// <summary>Order statistics over a sample, in the sample's unit.</summary>
public sealed record Stats(int Count, double Min, double P50, double P95, double P99, double Max)
{
    public static Stats Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Stats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }
        return new Stats(sorted.Length, sorted[0], Percentile(sorted, 50), Percentile(sorted, 95), Percentile(sorted, 99), sorted[^1]);
    }

    public static double Median(IEnumerable<double> values) => Of(values).P50;

    /// <summary>Nearest-rank percentile of an ordered sample.</summary>
    public static double Percentile(double[] sorted, double percentile)
    {
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
