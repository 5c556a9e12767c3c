using DcosTls.Certificates;

namespace DcosTls.Lifecycle;

/// <summary>
/// The inventory in the Prometheus text exposition format, for node_exporter's textfile collector:
/// one expiry gauge per certificate, and the run's success and time. The file is rewritten whole
/// each run, so a certificate that left the agent leaves no series behind.
/// </summary>
internal static class PrometheusTextfile
{
    internal const string ExpiryMetric = "dcostls_certificate_expiry_timestamp_seconds";
    internal const string SuccessMetric = "dcostls_inventory_success";
    internal const string TimestampMetric = "dcostls_inventory_timestamp_seconds";

    internal static string Render(IEnumerable<AgentCertificate> rows, bool success, DateTime readAt)
    {
        var text = new StringBuilder();
        Header(text, ExpiryMetric, "When a certificate the agent relies on expires (NotAfter), in seconds since the Unix epoch.");
        // node_exporter rejects the whole file when two samples share name and labels (the same
        // certificate listed twice from one file): keep the first.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.NotAfter == null) continue;
            var labels = new List<(string, string?)>
            {
                ("store", row.Store), ("registry", row.Registry), ("role", row.Role),
                ("subject", row.Subject), ("sha256_fingerprint", row.Sha256Fingerprint), ("path", row.Path),
            };
            string series = ExpiryMetric + LabelSet(labels);
            if (!seen.Add(series)) continue;
            text.Append(series).Append(' ').Append(UnixSeconds(row.NotAfter.Value)).Append('\n');
        }
        Header(text, SuccessMetric, "1 when the last DcosTls inventory read every store it was asked to, 0 when something could not be read.");
        text.Append(SuccessMetric).Append(' ').Append(success ? "1" : "0").Append('\n');
        Header(text, TimestampMetric, "When the last DcosTls inventory ran, in seconds since the Unix epoch.");
        text.Append(TimestampMetric).Append(' ').Append(UnixSeconds(readAt)).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// Why a name cannot be the metrics file's, or null. node_exporter reads only *.prom files and
    /// shows the name in its own series (node_textfile_mtime_seconds{file="..."}), so a line break,
    /// a quote or a backslash would break the text it serves: letters, digits, '.', '_' and '-' only.
    /// </summary>
    internal static string? FileNameProblem(string name)
    {
        bool plain = name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
        if (plain && name.Length > ".prom".Length && name.EndsWith(".prom", StringComparison.Ordinal) && !name.StartsWith('.')) return null;
        return $"-Name '{CertificateSpec.Printable(name)}' must be a file name ending in .prom (the collector reads only those), " +
            "of letters, digits, '.', '_' and '-' only (no '/', space, quote, backslash or line break), not starting with '.'. Give a name such as dcostls.prom.";
    }

    private static void Header(StringBuilder text, string name, string help)
        => text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n')
               .Append("# TYPE ").Append(name).Append(" gauge\n");

    /// <summary>{a="1",b="2"}; labels without a value are left out (Prometheus treats empty as absent).</summary>
    internal static string LabelSet(IEnumerable<(string Name, string? Value)> labels)
    {
        var parts = labels.Where(l => !string.IsNullOrEmpty(l.Value)).Select(l => $"{l.Name}=\"{EscapeLabelValue(l.Value!)}\"").ToList();
        return parts.Count == 0 ? string.Empty : "{" + string.Join(",", parts) + "}";
    }

    /// <summary>Label values escape backslash, double quote and line feed.</summary>
    internal static string EscapeLabelValue(string value)
        => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>HELP text escapes backslash and line feed only.</summary>
    internal static string EscapeHelp(string value)
        => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    internal static string UnixSeconds(DateTime utc)
        => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
