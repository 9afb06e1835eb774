using System.Globalization;
using System.Text;

namespace FunctionsOpt.Orchestration.Tests.TestKit;

/// <summary>
/// A minimal protobuf text-format reader for the fields a Triton config.pbtxt uses: <c>key: scalar</c>,
/// <c>key { ... }</c>, <c>key: { ... }</c>, <c>key [ a, b ]</c> / <c>key: [ {..}, {..} ]</c>, quoted strings with
/// escapes, and <c>#</c> comments. A message is a list of (key, value) pairs; values are strings, numbers (as text),
/// enum identifiers (as text), messages or lists. Throws <see cref="FormatException"/> on anything else.
/// </summary>
internal sealed class Pbtxt
{
    private readonly string _text;
    private int _at;

    private Pbtxt(string text) => _text = text;

    public static PbMessage Parse(string text)
    {
        var parser = new Pbtxt(text);
        var message = parser.Fields(endsWith: null);
        return message;
    }

    private PbMessage Fields(char? endsWith)
    {
        var fields = new List<KeyValuePair<string, object>>();
        while (true)
        {
            Skip();
            if (_at >= _text.Length)
            {
                return endsWith is null ? new PbMessage(fields) : throw Error("unexpected end, expected '" + endsWith + "'");
            }

            if (endsWith is { } end && _text[_at] == end)
            {
                _at++;
                return new PbMessage(fields);
            }

            var key = Identifier();
            Skip();
            if (Peek(':'))
            {
                _at++;
                Skip();
            }

            fields.Add(new(key, Value()));
        }
    }

    private object Value()
    {
        Skip();
        if (Peek('{'))
        {
            _at++;
            return Fields('}');
        }

        if (Peek('['))
        {
            _at++;
            var items = new List<object>();
            while (true)
            {
                Skip();
                if (Peek(']'))
                {
                    _at++;
                    return items;
                }

                items.Add(Value());
                Skip();
                if (Peek(','))
                {
                    _at++;
                }
                else if (!Peek(']'))
                {
                    throw Error("expected ',' or ']'");
                }
            }
        }

        if (Peek('"'))
        {
            return QuotedString();
        }

        var start = _at;
        while (_at < _text.Length && (char.IsAsciiLetterOrDigit(_text[_at]) || _text[_at] is '_' or '-' or '.' or '+'))
        {
            _at++;
        }

        return _at > start ? _text[start.._at] : throw Error("expected a value");
    }

    private string QuotedString()
    {
        _at++;
        var value = new StringBuilder();
        while (_at < _text.Length && _text[_at] != '"')
        {
            if (_text[_at] == '\\' && _at + 1 < _text.Length)
            {
                _at++;
            }

            value.Append(_text[_at++]);
        }

        if (_at >= _text.Length)
        {
            throw Error("unterminated string");
        }

        _at++;
        return value.ToString();
    }

    private string Identifier()
    {
        var start = _at;
        while (_at < _text.Length && (char.IsAsciiLetterOrDigit(_text[_at]) || _text[_at] == '_'))
        {
            _at++;
        }

        return _at > start ? _text[start.._at] : throw Error("expected a field name");
    }

    private void Skip()
    {
        while (_at < _text.Length)
        {
            if (char.IsWhiteSpace(_text[_at]))
            {
                _at++;
            }
            else if (_text[_at] == '#')
            {
                while (_at < _text.Length && _text[_at] != '\n')
                {
                    _at++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private bool Peek(char c) => _at < _text.Length && _text[_at] == c;

    private FormatException Error(string what) => new(string.Create(CultureInfo.InvariantCulture, $"pbtxt: {what} at offset {_at}"));
}

/// <summary>A parsed text-format message.</summary>
internal sealed class PbMessage(IReadOnlyList<KeyValuePair<string, object>> fields)
{
    public IReadOnlyList<KeyValuePair<string, object>> Fields { get; } = fields;

    public IReadOnlyList<object> All(string key) => Fields.Where(f => f.Key == key).Select(f => f.Value).ToArray();

    public string Scalar(string key) => (string)Assert.Single(All(key));

    public PbMessage Message(string key) => (PbMessage)Assert.Single(All(key));

    public IReadOnlyList<object> List(string key) => (List<object>)Assert.Single(All(key));

    public bool Has(string key) => Fields.Any(f => f.Key == key);
}
