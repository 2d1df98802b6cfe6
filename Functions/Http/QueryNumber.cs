using System.Globalization;
using Collab.Boards.Errors;
using Microsoft.AspNetCore.Http;

namespace Collab.Functions.Http;

/// <summary>Reads optional whole-number query parameters such as <c>atSeq</c> and <c>after</c>.</summary>
public static class QueryNumber
{
    /// <summary>The value of <paramref name="name"/>, or null when absent.</summary>
    /// <exception cref="CollabException">It is repeated or not a whole number from 0 in canonical form (400).</exception>
    public static long? Read(IQueryCollection query, string name)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return null;
        }

        // Only the canonical form (no sign, spaces or leading zeros): the host names blobs after the query text, so
        // 1, 01 and 001 would be three names for one snapshot.
        return values.Count == 1 && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && values[0] == number.ToString(CultureInfo.InvariantCulture)
            ? number
            : throw new InvalidRequestException($"{name} must be one whole number from 0, written without leading zeros.");
    }
}
