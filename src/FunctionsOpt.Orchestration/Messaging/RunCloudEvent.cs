using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace FunctionsOpt.Orchestration.Messaging;

/// <summary>
/// A run event as a CloudEvents 1.0 structured-mode JSON document: <c>specversion</c>, <c>id</c> (the deterministic
/// <see cref="RunEvent.EventId"/>), <c>source</c>, <c>type</c> (<see cref="RunEventTypes"/>), <c>subject</c> (the run id),
/// <c>time</c> (RFC 3339, UTC), <c>datacontenttype</c> and <c>data</c>: <c>runId</c>, <c>status</c>, <c>statusLink</c>,
/// <c>trialsDone</c>, <c>trialsTotal</c>, <c>metrics</c> (the headline metrics, maybe empty) and, when known,
/// <c>step</c> and <c>rung</c> (progress), <c>best</c> (<c>trialId</c>, <c>objective</c>, <c>meetsConstraints</c>) and
/// <c>error</c> (<c>code</c>, <c>message</c>, <c>phase</c>). Names are camelCase; non-finite numbers are written as the
/// strings <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>, as in every other FunctionsOpt document.
/// </summary>
public static class RunCloudEvent
{
    /// <summary>The CloudEvents version written.</summary>
    public const string SpecVersion = "1.0";

    /// <summary>The <c>datacontenttype</c> of <c>data</c>.</summary>
    public const string DataContentType = "application/json";

    /// <summary>The content type of the whole document (the message's content type in structured mode).</summary>
    public const string ContentType = "application/cloudevents+json; charset=utf-8";

    /// <summary>The event as UTF-8 JSON; <paramref name="options"/> give the source and the status link.</summary>
    public static byte[] ToJson(RunEvent runEvent, ServiceBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        ArgumentNullException.ThrowIfNull(options);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("specversion", SpecVersion);
            writer.WriteString("id", runEvent.EventId);
            writer.WriteString("source", options.EventSource);
            writer.WriteString("type", runEvent.EventType);
            writer.WriteString("subject", runEvent.RunId);
            writer.WriteString("time", runEvent.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("datacontenttype", DataContentType);
            writer.WritePropertyName("data");
            WriteData(writer, runEvent, options);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteData(Utf8JsonWriter writer, RunEvent e, ServiceBusOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("runId", e.RunId);
        writer.WriteString("status", JsonNamingPolicy.CamelCase.ConvertName(e.Status.ToString()));
        writer.WriteString("statusLink", options.StatusUrlOf(e.RunId));
        if (e.Kind == RunEventKind.RunProgress)
        {
            writer.WriteNumber("step", e.Step);
            if (e.Rung is { } rung)
            {
                writer.WriteNumber("rung", rung);
            }
        }

        writer.WriteNumber("trialsDone", e.TrialsDone);
        writer.WriteNumber("trialsTotal", e.TrialsTotal);
        if (e.BestTrialId is { } best)
        {
            writer.WriteStartObject("best");
            writer.WriteString("trialId", best);
            if (e.BestObjective is { } objective)
            {
                WriteNumber(writer, "objective", objective);
            }

            if (e.MeetsConstraints is { } meets)
            {
                writer.WriteBoolean("meetsConstraints", meets);
            }

            writer.WriteEndObject();
        }

        writer.WriteStartObject("metrics");
        foreach (var (name, value) in e.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            WriteNumber(writer, name, value);
        }

        writer.WriteEndObject();
        if (e.Verdict is { } verdict)
        {
            writer.WriteString("verdict", verdict);
        }

        if (e.Error is { } error)
        {
            writer.WriteStartObject("error");
            writer.WriteString("code", error.Code);
            writer.WriteString("message", error.Message);
            if (error.Phase is { } phase)
            {
                writer.WriteString("phase", JsonNamingPolicy.CamelCase.ConvertName(phase.ToString()));
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteString(name, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}
