using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FunctionsOpt.Host.Tests.TestKit;

/// <summary>Keeps every log line (category, event name and message) so a test can assert on what the engine said.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyCollection<LogLine> Lines => _lines;

    public int Count(string eventName) => _lines.Count(l => l.EventName == eventName);

    public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Recorder(string category, ConcurrentQueue<LogLine> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lines.Enqueue(new LogLine(category, eventId.Name, logLevel, formatter(state, exception)));
            }
        }
    }
}

/// <summary>One recorded log line.</summary>
internal sealed record LogLine(string Category, string? EventName, LogLevel Level, string Message);
