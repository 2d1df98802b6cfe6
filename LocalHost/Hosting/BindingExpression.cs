using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Collab.LocalHost.Hosting;

/// <summary>
/// Resolves binding expressions as the Functions host does for an HTTP-triggered function: <c>{name}</c> from the
/// route values, then the query string; <c>%setting%</c> from configuration. A name with no value fails the
/// invocation, as it does on the host.
/// </summary>
public static partial class BindingExpression
{
    /// <summary>Resolves <paramref name="template"/>.</summary>
    /// <exception cref="InvalidOperationException">An expression has no value.</exception>
    public static string Resolve(string template, HttpRequest? request, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(template);
        var withSettings = Setting().Replace(template, match =>
            configuration[match.Groups[1].Value] ?? throw new InvalidOperationException($"No app setting '{match.Groups[1].Value}' for binding expression {match.Value}."));
        return Parameter().Replace(withSettings, match =>
        {
            var name = match.Groups[1].Value;
            if (request?.RouteValues.TryGetValue(name, out var routeValue) == true && routeValue is not null)
            {
                return routeValue.ToString()!;
            }

            return request?.Query.TryGetValue(name, out var queryValue) == true && queryValue.Count > 0
                ? queryValue[0]!
                : throw new InvalidOperationException($"No value for named parameter '{name}'.");
        });
    }

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex Setting();

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_.]*)\}")]
    private static partial Regex Parameter();
}
