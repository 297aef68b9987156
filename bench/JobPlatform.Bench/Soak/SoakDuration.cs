using System.CommandLine.Parsing;
using System.Globalization;

namespace JobPlatform.Bench.Soak;

/// <summary>Reads a soak's duration as people write it: 30m, 90s, 1h, or a TimeSpan (00:30:00).</summary>
public static class SoakDuration
{
    public static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value.Trim() : "";
        TimeSpan? value = text.Length > 1 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? text[^1] switch
            {
                's' => TimeSpan.FromSeconds(number),
                'm' => TimeSpan.FromMinutes(number),
                'h' => TimeSpan.FromHours(number),
                _ => null,
            }
            : null;
        value ??= TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
        if (value is not { } duration || duration <= TimeSpan.Zero)
        {
            result.AddError($"--duration must be a positive time such as 30m, 90s, 1h or 00:30:00; it was '{text}'.");
            return TimeSpan.Zero;
        }
        return duration;
    }
}
