using System.Text;
using FunctionsOpt.Core.Errors;

namespace FunctionsOpt.Core.Data;

/// <summary>
/// Minimal RFC 4180 record reader: comma separators, LF or CRLF line ends, double-quoted fields that may hold
/// commas, line breaks and doubled quotes. Tracks the line each record starts on so errors can point at it.
/// </summary>
internal sealed class CsvTokenizer
{
    private readonly TextReader _reader;
    private readonly string _sourceName;
    private int _line = 1;

    public CsvTokenizer(TextReader reader, string sourceName)
    {
        _reader = reader;
        _sourceName = sourceName;
    }

    /// <summary>Reads the next record, or returns false at the end of the input.</summary>
    public bool TryReadRecord(out List<string> fields, out int startLine)
    {
        fields = [];
        startLine = _line;
        if (_reader.Peek() < 0)
        {
            return false;
        }

        var field = new StringBuilder();
        var inQuotes = false;
        while (true)
        {
            var next = _reader.Read();
            if (next < 0)
            {
                if (inQuotes)
                {
                    throw new InvalidEvaluationDataException(
                        $"'{_sourceName}' line {startLine}: a quoted field is never closed; add the closing double quote (write a literal quote as \"\").");
                }

                fields.Add(field.ToString());
                return true;
            }

            var c = (char)next;
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (_reader.Peek() == '"')
                    {
                        _reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        _line++;
                    }

                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inQuotes = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r' when _reader.Peek() == '\n':
                    break;
                case '\n':
                    _line++;
                    fields.Add(field.ToString());
                    return true;
                default:
                    field.Append(c);
                    break;
            }
        }
    }
}
