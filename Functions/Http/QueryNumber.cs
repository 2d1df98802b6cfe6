using System.Globalization;
using Collab.Boards.Errors;
using Microsoft.AspNetCore.Http;

namespace Collab.Functions.Http;

/// <summary>Reads optional whole-number query parameters such as <c>atSeq</c> and <c>after</c>.</summary>
public static class QueryNumber
{
    /// <summary>The value of <paramref name="name"/>, or null when absent.</summary>
    /// <exception cref="CollabException">It is repeated or not a whole number from 0 (400).</exception>
    public static long? Read(IQueryCollection query, string name)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return null;
        }

        return values.Count == 1 && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new InvalidRequestException($"{name} must be one whole number from 0.");
    }
}
