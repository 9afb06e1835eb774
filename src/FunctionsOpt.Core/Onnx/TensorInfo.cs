namespace FunctionsOpt.Core.Onnx;

/// <summary>One dimension of a tensor shape: a fixed size, a symbolic name, or unknown (both null).</summary>
public sealed record TensorDimension(long? Value, string? Symbol)
{
    /// <summary>True when the dimension has a fixed size.</summary>
    public bool IsFixed => Value is not null;

    /// <summary>A fixed dimension.</summary>
    public static TensorDimension Fixed(long value) => new(value, null);

    /// <summary>A symbolic dimension (for example <c>batch</c>).</summary>
    public static TensorDimension Symbolic(string symbol) => new(null, symbol);

    /// <inheritdoc />
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}

/// <summary>A graph input or output: name, element type and shape (null shape = rank unknown).</summary>
public sealed record TensorInfo(string Name, TensorElementKind ElementType, IReadOnlyList<TensorDimension>? Shape)
{
    /// <summary>Rank, or null when the model does not declare a shape.</summary>
    public int? Rank => Shape?.Count;

    /// <summary>Shape as text, e.g. <c>[batch,4]</c>.</summary>
    public string ShapeText => Shape is null ? "[unknown]" : "[" + string.Join(",", Shape) + "]";
}
