using System.Globalization;
using System.Text;

namespace FunctionsOpt.Core.Data;

/// <summary>
/// Parses the tiny subset of Python literals an NPY header uses: dicts, tuples, lists, quoted strings, integers,
/// True/False/None. Anything else is rejected rather than evaluated, so a header can never run code.
/// </summary>
internal sealed class PythonLiteralParser
{
    private readonly string _text;
    private int _pos;

    private PythonLiteralParser(string text) => _text = text;

    /// <summary>Parses one literal; returns dictionaries, lists (for tuples too), strings, longs, bools or null.</summary>
    public static object? Parse(string text)
    {
        var parser = new PythonLiteralParser(text);
        var value = parser.ParseValue();
        parser.SkipWhitespace();
        if (parser._pos != text.Length)
        {
            throw new FormatException($"Unexpected text after the literal at offset {parser._pos}.");
        }

        return value;
    }

    private object? ParseValue()
    {
        SkipWhitespace();
        if (_pos >= _text.Length)
        {
            throw new FormatException("The header ends inside a value.");
        }

        var c = _text[_pos];
        switch (c)
        {
            case '{':
                return ParseDict();
            case '(':
                return ParseSequence(')');
            case '[':
                return ParseSequence(']');
            case '\'':
            case '"':
                return ParseString();
        }

        if (c == '-' || char.IsAsciiDigit(c))
        {
            return ParseInteger();
        }

        if (TryKeyword("True"))
        {
            return true;
        }

        if (TryKeyword("False"))
        {
            return false;
        }

        if (TryKeyword("None"))
        {
            return null;
        }

        throw new FormatException($"Unexpected character '{c}' at offset {_pos}.");
    }

    private Dictionary<string, object?> ParseDict()
    {
        _pos++;
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (true)
        {
            SkipWhitespace();
            if (Peek() == '}')
            {
                _pos++;
                return result;
            }

            if (ParseValue() is not string key)
            {
                throw new FormatException("Dictionary keys in an NPY header must be strings.");
            }

            SkipWhitespace();
            Expect(':');
            result[key] = ParseValue();
            SkipWhitespace();
            if (Peek() == ',')
            {
                _pos++;
            }
            else if (Peek() != '}')
            {
                throw new FormatException($"Expected ',' or '}}' at offset {_pos}.");
            }
        }
    }

    private List<object?> ParseSequence(char close)
    {
        _pos++;
        var result = new List<object?>();
        while (true)
        {
            SkipWhitespace();
            if (Peek() == close)
            {
                _pos++;
                return result;
            }

            result.Add(ParseValue());
            SkipWhitespace();
            if (Peek() == ',')
            {
                _pos++;
            }
            else if (Peek() != close)
            {
                throw new FormatException($"Expected ',' or '{close}' at offset {_pos}.");
            }
        }
    }

    private string ParseString()
    {
        var quote = _text[_pos++];
        var sb = new StringBuilder();
        while (_pos < _text.Length && _text[_pos] != quote)
        {
            if (_text[_pos] == '\\' && _pos + 1 < _text.Length)
            {
                _pos++;
            }

            sb.Append(_text[_pos++]);
        }

        Expect(quote);
        return sb.ToString();
    }

    private long ParseInteger()
    {
        var start = _pos;
        if (_text[_pos] == '-')
        {
            _pos++;
        }

        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
        {
            _pos++;
        }

        // Python 2 era headers may carry an 'L' suffix on shape entries.
        var digits = _text[start.._pos];
        if (_pos < _text.Length && _text[_pos] == 'L')
        {
            _pos++;
        }

        return long.Parse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }

    private bool TryKeyword(string word)
    {
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) == 0)
        {
            _pos += word.Length;
            return true;
        }

        return false;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void Expect(char c)
    {
        if (Peek() != c)
        {
            throw new FormatException($"Expected '{c}' at offset {_pos}.");
        }

        _pos++;
    }

    private void SkipWhitespace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }
}
