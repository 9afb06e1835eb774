using System.Buffers;
using System.Text;
using FunctionsOpt.Orchestration.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace FunctionsOpt.Hosting.Http;

/// <summary>
/// Reads a spec from a request body: JSON (or no content type), at most <see cref="MaxBytes"/> bytes. Anything else
/// is answered with a problem before the spec is parsed, so a wrong upload costs neither memory nor a validation.
/// </summary>
internal static class SpecBodyReader
{
    /// <summary>Largest body accepted: every spec <see cref="SpecIntake"/> accepts fits, as UTF-8 never has fewer bytes than characters.</summary>
    public const int MaxBytes = SpecIntake.MaxSpecLength;

    /// <summary>The body as text, or the problem that refuses it (415 not JSON, 413 too large).</summary>
    public static async Task<(string? Json, ApiProblem? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var instance = request.Path.Value;
        if (!string.IsNullOrEmpty(request.ContentType) && !IsJson(request.ContentType))
        {
            return (null, ApiProblem.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "The body is not JSON",
                $"The body was sent as '{request.ContentType}'; send the spec as JSON with 'Content-Type: application/json'.", instance));
        }

        if (request.ContentLength > MaxBytes)
        {
            return (null, TooLarge(request.ContentLength.Value, instance));
        }

        // Read one byte past the limit: a chunked body that does not say its length is refused once it is too long.
        var buffer = ArrayPool<byte>.Shared.Rent(MaxBytes + 1);
        try
        {
            var read = 0;
            int n;
            while (read <= MaxBytes && (n = await request.Body.ReadAsync(buffer.AsMemory(read, MaxBytes + 1 - read), cancellationToken).ConfigureAwait(false)) > 0)
            {
                read += n;
            }

            return read > MaxBytes ? (null, TooLarge(null, instance)) : (Encoding.UTF8.GetString(buffer, 0, read), null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsJson(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Value is { } type
        && (type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.Equals("text/json", StringComparison.OrdinalIgnoreCase)
            || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static ApiProblem TooLarge(long? length, string? instance) => ApiProblem.Create(
        StatusCodes.Status413PayloadTooLarge, "request-too-large", "The body is too large",
        $"The body is {(length is { } l ? l + " bytes" : "longer than the limit")}; a spec may be at most {MaxBytes} bytes. Upload models and data as blobs and reference them from the spec instead of inlining them.",
        instance);
}
