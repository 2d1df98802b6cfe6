using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>The headers App Service Authentication sets for a signed-in user.</summary>
internal static class EasyAuth
{
    public static void SignIn(HttpRequest request, string userId, string name, string provider = "aad")
    {
        var principal = new
        {
            auth_typ = provider,
            claims = new[]
            {
                new { typ = "http://schemas.microsoft.com/identity/claims/objectidentifier", val = userId },
                new { typ = "name", val = name },
            },
            name_typ = "name",
            role_typ = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
        };
        request.Headers["X-MS-CLIENT-PRINCIPAL"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(principal)));
        request.Headers["X-MS-CLIENT-PRINCIPAL-ID"] = userId;
        request.Headers["X-MS-CLIENT-PRINCIPAL-NAME"] = name;
        request.Headers["X-MS-CLIENT-PRINCIPAL-IDP"] = provider;
    }
}
