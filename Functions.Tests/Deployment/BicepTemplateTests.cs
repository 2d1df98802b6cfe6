using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Collab.Boards;
using Collab.Functions.Acs;
using Collab.Functions.Configuration;
using Collab.Functions.Tests.Infrastructure;
using Collab.Functions.Tokens;
using Collab.Functions.WebPubSub;
using Collab.Testing;

namespace Collab.Functions.Tests.Deployment;

/// <summary>The infrastructure, proven from its compiled ARM JSON without deploying it.</summary>
public sealed partial class BicepTemplateTests(BicepTemplate bicep) : IClassFixture<BicepTemplate>
{
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";

    [Fact]
    public void BuildAndLint_PassWithZeroWarnings()
    {
        Assert.Equal(0, bicep.Build.ExitCode);
        Assert.Equal(0, bicep.Lint.ExitCode);
        Assert.DoesNotContain("Warning", bicep.Build.Output, StringComparison.Ordinal);
        Assert.True(string.IsNullOrWhiteSpace(bicep.Lint.Output), bicep.Lint.Output);
    }

    [Fact]
    public void NoAppSettingHoldsALiteralSecret()
    {
        var secretish = bicep.AppSettings.Where(s => SecretName().IsMatch(s.Key)).ToList();

        Assert.Contains(secretish, s => s.Key == "WebPubSub__ConnectionString");
        Assert.All(secretish, s => Assert.True(s.Value.Contains("__bicep.keyVaultReference(", StringComparison.Ordinal), $"{s.Key} is not a Key Vault reference: {s.Value}"));
        Assert.All(bicep.AppSettings, s => Assert.DoesNotContain("listKeys", s.Value, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("AzureWebJobsStorage", bicep.AppSettings.Keys);
        Assert.Equal("managedidentity", bicep.AppSettings["AzureWebJobsStorage__credential"]);
        Assert.Contains("reference('identity').clientId", bicep.AppSettings["AzureWebJobsStorage__clientId"], StringComparison.Ordinal);
        var function = bicep.Template.GetProperty("functions")[0].GetProperty("members").GetProperty("keyVaultReference").GetProperty("output").GetProperty("value").GetString();
        Assert.Equal("[format('@Microsoft.KeyVault(SecretUri={0})', parameters('secretUri'))]", function);
    }

    [Fact]
    public void Transport_IsHttpsOnly_Tls12_WithoutFtpOrPublicBlobs()
    {
        var site = bicep.Resource("functionApp").GetProperty("properties");
        var storage = bicep.Resource("storage").GetProperty("properties");

        Assert.True(site.GetProperty("httpsOnly").GetBoolean());
        Assert.Equal("1.2", site.GetProperty("siteConfig").GetProperty("minTlsVersion").GetString());
        Assert.Equal("Disabled", site.GetProperty("siteConfig").GetProperty("ftpsState").GetString());
        Assert.Equal("TLS1_2", storage.GetProperty("minimumTlsVersion").GetString());
        Assert.True(storage.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
        Assert.False(storage.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.False(storage.GetProperty("allowSharedKeyAccess").GetBoolean());
    }

    [Fact]
    public void ManagedIdentity_HasExactlyTheTwoLeastPrivilegeRoles()
    {
        var site = bicep.Resource("functionApp");
        var assignments = bicep.Resources.Where(r => r.Resource.GetProperty("type").GetString() == "Microsoft.Authorization/roleAssignments").ToList();

        Assert.Equal("UserAssigned", site.GetProperty("identity").GetProperty("type").GetString());
        Assert.Equal("[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', format('{0}-id', variables('prefix')))]", site.GetProperty("properties").GetProperty("keyVaultReferenceIdentity").GetString());
        Assert.Equal(2, assignments.Count);
        var byRole = assignments.ToDictionary(
            a => RoleId().Match(a.Resource.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!).Groups[1].Value,
            a => a.Resource);
        Assert.Equal(["keyVaultSecretsUser", "storageBlobDataOwner"], byRole.Keys.Order());
        Assert.Equal("vault", Scope(byRole["keyVaultSecretsUser"]));
        Assert.Equal("storage", Scope(byRole["storageBlobDataOwner"]));
        Assert.All(byRole.Values, a => Assert.Equal("[reference('identity').principalId]", a.GetProperty("properties").GetProperty("principalId").GetString()));
        var roles = bicep.Template.GetProperty("variables").GetProperty("roles");
        Assert.Equal(KeyVaultSecretsUser, roles.GetProperty("keyVaultSecretsUser").GetString());
        Assert.Equal(StorageBlobDataOwner, roles.GetProperty("storageBlobDataOwner").GetString());
    }

    [Fact]
    public void WebPubSubHub_CallsTheEventHandlerRouteOfFunctionsMetadata()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.FunctionsMetadata));
        var route = metadata.RootElement.EnumerateArray().Single(f => f.GetProperty("name").GetString() == "WebPubSubEvents")
            .GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "httpTrigger").GetProperty("route").GetString();
        var handler = bicep.Resource("hub").GetProperty("properties").GetProperty("eventHandlers").EnumerateArray().Single();

        Assert.Equal("[format('https://{0}/{1}', reference('functionApp').defaultHostName, variables('eventHandlerRoute'))]", handler.GetProperty("urlTemplate").GetString());
        Assert.Equal("api/" + route, bicep.Template.GetProperty("variables").GetProperty("eventHandlerRoute").GetString());
        Assert.Equal("*", handler.GetProperty("userEventPattern").GetString());
        Assert.Equal(["connect", "connected", "disconnected"], handler.GetProperty("systemEvents").EnumerateArray().Select(e => e.GetString()));
        Assert.False(bicep.Resource("webPubSub").GetProperty("properties").GetProperty("disableLocalAuth").GetBoolean());
        Assert.Equal("[parameters('webPubSubHub')]", bicep.AppSettings["WebPubSub__Hub"]);
    }

    [Fact]
    public void EverySettingTheAppValidatesAtStartUp_IsProvided()
    {
        var provided = bicep.AppSettings.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var required = new List<string>();
        foreach (var (type, section) in new (Type, string)[]
        {
            (typeof(WebPubSubOptions), WebPubSubOptions.SectionName),
            (typeof(AcsOptions), AcsOptions.SectionName),
            (typeof(FluidRelayOptions), FluidRelayOptions.SectionName),
            (typeof(BoardsOptions), BoardsOptions.SectionName),
        })
        {
            var defaults = Activator.CreateInstance(type)!;
            required.AddRange(type.GetProperties()
                .Where(p => p.GetCustomAttribute<RequiredAttribute>() is not null && string.IsNullOrEmpty(p.GetValue(defaults) as string))
                .Select(p => $"{section}__{p.Name}"));
        }

        using var metadata = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.FunctionsMetadata));
        required.AddRange(AppSettingReference().Matches(metadata.RootElement.GetRawText()).Select(m => m.Groups[1].Value.Replace(":", "__", StringComparison.Ordinal)));

        Assert.Contains("Boards__SnapshotSchedule", required);
        Assert.Contains("FluidRelay__TenantKey", required);
        Assert.All(required, name => Assert.True(provided.Contains(name), $"{name} is validated at start-up (or read by the host) but the template does not set it."));
        Assert.True(provided.Contains("AzureWebJobsStorage__blobServiceUri"), "The storage connection is missing.");
    }

    /// <summary>
    /// MCP clients of <c>/api/mcp</c> sign in through App Service Authentication (issue 18): the app setting that makes
    /// Easy Auth publish <c>/.well-known/oauth-protected-resource</c> (RFC 9728) names the registration's delegated
    /// scope, and the Entra validation takes the audience the v2 tokens for that scope carry (the client id) as well as
    /// the app id URI. The endpoint itself is not excluded: an agent is a signed-in user like any other.
    /// </summary>
    [Fact]
    public void EasyAuth_PublishesProtectedResourceMetadata_ForMcpBearerTokens()
    {
        var aad = bicep.Resource("authentication").GetProperty("properties").GetProperty("identityProviders").GetProperty("azureActiveDirectory");
        var excluded = bicep.Resource("authentication").GetProperty("properties").GetProperty("globalValidation").GetProperty("excludedPaths");

        Assert.Equal("[variables('mcpAgentScope')]", bicep.AppSettings["WEBSITE_AUTH_PRM_DEFAULT_WITH_SCOPES"]);
        Assert.Equal("[format('api://{0}/user_impersonation', parameters('authClientId'))]", bicep.Template.GetProperty("variables").GetProperty("mcpAgentScope").GetString());
        Assert.Equal(
            ["[format('api://{0}', parameters('authClientId'))]", "[parameters('authClientId')]"],
            aad.GetProperty("validation").GetProperty("allowedAudiences").EnumerateArray().Select(a => a.GetString()));
        Assert.True(aad.GetProperty("enabled").GetBoolean());
        Assert.DoesNotContain(excluded.EnumerateArray(), p => p.GetString()!.Contains("mcp", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("Return401", bicep.Resource("authentication").GetProperty("properties").GetProperty("globalValidation").GetProperty("unauthenticatedClientAction").GetString());
    }

    [Fact]
    public void Storage_KeyVault_EasyAuth_AndOutputs_AreAsOperatorsExpect()
    {
        var containers = bicep.Template.GetProperty("variables").GetProperty("boardContainers").EnumerateArray().Select(c => c.GetString());
        var vault = bicep.Resource("vault").GetProperty("properties");
        var auth = bicep.Resource("authentication").GetProperty("properties").GetProperty("globalValidation");
        var runtime = bicep.Resource("functionApp").GetProperty("properties").GetProperty("functionAppConfig").GetProperty("runtime");

        Assert.Equal(["whiteboards", "identities", "recordings"], containers);
        Assert.True(vault.GetProperty("enableRbacAuthorization").GetBoolean());
        Assert.True(vault.GetProperty("enableSoftDelete").GetBoolean());
        Assert.Equal("[if(parameters('keyVaultPurgeProtection'), true(), null())]", vault.GetProperty("enablePurgeProtection").GetString());
        Assert.True(auth.GetProperty("requireAuthentication").GetBoolean());
        Assert.Equal(
            ["/api/eventhandler", "/api/acs/events", "/api/health"],
            auth.GetProperty("excludedPaths").EnumerateArray().Select(p => p.GetString()!
                .Replace("[format('/{0}', variables('eventHandlerRoute'))]", "/api/eventhandler", StringComparison.Ordinal)
                .Replace("[format('/{0}', variables('acsEventsRoute'))]", "/api/acs/events", StringComparison.Ordinal)));
        Assert.Equal(("dotnet-isolated", "10.0"), (runtime.GetProperty("name").GetString(), runtime.GetProperty("version").GetString()));
        Assert.Equal("FlexConsumption", bicep.Resource("plan").GetProperty("sku").GetProperty("tier").GetString());
        Assert.Equal("[parameters('acsDataLocation')]", bicep.Resource("communication").GetProperty("properties").GetProperty("dataLocation").GetString());
        Assert.Equal(["alertActionGroupName", "fluidRelayEndpoint", "fluidRelayTenantId", "functionAppUrl", "keyVaultName", "webPubSubEndpoint", "webPubSubHubName"],
            bicep.Template.GetProperty("outputs").EnumerateObject().Select(o => o.Name).Order());
    }

    /// <summary>
    /// ACS chat events reach the webhook of Functions metadata through an Event Grid system topic on the ACS resource
    /// (shared/protocols/acs-chat-rooms.md §10–§11), authenticated by a secret that lives in Key Vault and reaches the
    /// app as a (versioned) Key Vault reference; clients get the resource's own endpoint.
    /// </summary>
    [Fact]
    public void AcsEvents_FlowFromASystemTopicOnAcs_ToTheWebhookRoute_WithTheSecretFromKeyVault()
    {
        var topic = bicep.Resource("acsEvents");
        var subscription = bicep.Resource("acsEventsSubscription");
        var destination = subscription.GetProperty("properties").GetProperty("destination");
        var secret = bicep.Resource("acsEventsSecretValue");
        using var metadata = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.FunctionsMetadata));
        var route = metadata.RootElement.EnumerateArray().Single(f => f.GetProperty("name").GetString() == "AcsEvents")
            .GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "httpTrigger").GetProperty("route").GetString();

        Assert.Equal("Microsoft.Communication.CommunicationServices", topic.GetProperty("properties").GetProperty("topicType").GetString());
        Assert.Contains("Microsoft.Communication/communicationServices", topic.GetProperty("properties").GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal("global", topic.GetProperty("location").GetString());
        Assert.Equal("WebHook", destination.GetProperty("endpointType").GetString());
        // The secret rides in a static delivery header marked secret (acs-chat-rooms.md §11 (c)), never in the URL.
        Assert.Equal("[format('https://{0}/{1}', reference('functionApp').defaultHostName, variables('acsEventsRoute'))]", destination.GetProperty("properties").GetProperty("endpointUrl").GetString());
        var header = Assert.Single(destination.GetProperty("properties").GetProperty("deliveryAttributeMappings").EnumerateArray());
        Assert.Equal("X-Collab-Events-Secret", header.GetProperty("name").GetString());
        Assert.Equal("Static", header.GetProperty("type").GetString());
        Assert.Equal("[parameters('acsEventsSecret')]", header.GetProperty("properties").GetProperty("value").GetString());
        Assert.True(header.GetProperty("properties").GetProperty("isSecret").GetBoolean());
        Assert.Equal("api/" + route, bicep.Template.GetProperty("variables").GetProperty("acsEventsRoute").GetString());
        Assert.Equal(
            ["Microsoft.Communication.ChatMessageReceivedInThread", "Microsoft.Communication.ChatMessageEditedInThread", "Microsoft.Communication.ChatMessageDeletedInThread"],
            bicep.Template.GetProperty("variables").GetProperty("relayedChatEvents").EnumerateArray().Select(e => e.GetString()));
        // No generated default (a newGuid() would rotate the secret on every deployment); the previous one stays accepted.
        var parameters = bicep.Template.GetProperty("parameters");
        Assert.Equal("securestring", parameters.GetProperty("acsEventsSecret").GetProperty("type").GetString());
        Assert.False(parameters.GetProperty("acsEventsSecret").TryGetProperty("defaultValue", out _));
        Assert.Equal("securestring", parameters.GetProperty("acsEventsPreviousSecret").GetProperty("type").GetString());
        Assert.Equal("[__bicep.keyVaultReference(reference('acsEventsPreviousSecretValue').secretUriWithVersion)]", bicep.AppSettings["Acs__EventsPreviousSecret"]);
        Assert.Equal("[parameters('acsEventsSecret')]", secret.GetProperty("properties").GetProperty("value").GetString());
        Assert.Equal("[__bicep.keyVaultReference(reference('acsEventsSecretValue').secretUriWithVersion)]", bicep.AppSettings["Acs__EventsSecret"]);
        Assert.Equal("[format('https://{0}/', reference('communication').hostName)]", bicep.AppSettings["Acs__ClientEndpoint"]);
    }

    [Fact]
    public void AzdFiles_DeclareTheServiceAndEveryRequiredParameter()
    {
        var azure = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "azure.yaml"));
        using var parameters = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "infra", "main.parameters.json")));
        var given = parameters.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToHashSet();
        var declared = bicep.Template.GetProperty("parameters").EnumerateObject().ToList();

        Assert.Contains("host: function", azure, StringComparison.Ordinal);
        Assert.Contains("project: ./Functions", azure, StringComparison.Ordinal);
        Assert.Contains("path: infra", azure, StringComparison.Ordinal);
        Assert.All(given, name => Assert.Contains(declared, p => p.Name == name));
        Assert.All(declared.Where(p => !p.Value.TryGetProperty("defaultValue", out _)), p => Assert.Contains(p.Name, given));
    }

    [Fact]
    public void Alerts_OnFailureRate_EventHandlerP95_AndDependencyFailures_MailTheActionGroup()
    {
        var group = bicep.Resource("alertGroup");
        var receivers = group.GetProperty("properties").GetProperty("emailReceivers").EnumerateArray().ToList();
        var rules = bicep.Resources.Where(r => r.Resource.GetProperty("type").GetString() == "Microsoft.Insights/scheduledQueryRules").ToDictionary(r => r.Name, r => r.Resource);
        var parameters = bicep.Template.GetProperty("parameters");

        Assert.Equal("Microsoft.Insights/actionGroups", group.GetProperty("type").GetString());
        Assert.Equal("global", group.GetProperty("location").GetString());
        Assert.InRange(group.GetProperty("properties").GetProperty("groupShortName").GetString()!.Length, 1, 12);
        Assert.Equal("[parameters('alertEmail')]", Assert.Single(receivers).GetProperty("emailAddress").GetString());
        Assert.False(parameters.GetProperty("alertEmail").TryGetProperty("defaultValue", out _));
        Assert.Equal(["dependencyFailureAlert", "eventHandlerLatencyAlert", "failureRateAlert"], rules.Keys.Order());
        foreach (var (name, rule) in rules)
        {
            var properties = rule.GetProperty("properties");
            // Scoped to the workspace-based Application Insights resource, so the queries read its requests and dependencies tables.
            Assert.Equal("[resourceId('Microsoft.Insights/components', format('{0}-insights', variables('prefix')))]", Assert.Single(properties.GetProperty("scopes").EnumerateArray()).GetString());
            Assert.Equal("[resourceId('Microsoft.Insights/actionGroups', format('{0}-alerts', variables('prefix')))]", Assert.Single(properties.GetProperty("actions").GetProperty("actionGroups").EnumerateArray()).GetString());
            Assert.True(properties.GetProperty("enabled").GetBoolean(), name);
            var criterion = Assert.Single(properties.GetProperty("criteria").GetProperty("allOf").EnumerateArray());
            Assert.Equal("GreaterThan", criterion.GetProperty("operator").GetString());
            // The measured column is one the query produces.
            Assert.Contains(criterion.GetProperty("metricMeasureColumn").GetString()! + " =", criterion.GetProperty("query").GetString()!, StringComparison.Ordinal);
        }

        var failureRate = Criterion(rules["failureRateAlert"]);
        Assert.StartsWith("[format('requests |", failureRate.GetProperty("query").GetString()!, StringComparison.Ordinal);
        Assert.Contains("countif(success == false)", failureRate.GetProperty("query").GetString()!, StringComparison.Ordinal);
        Assert.Equal("[parameters('alertFailureRatePercent')]", failureRate.GetProperty("threshold").GetString());

        // The event handler is the function Web PubSub calls (the hub's URL template), measured at its 95th percentile.
        var latency = Criterion(rules["eventHandlerLatencyAlert"]).GetProperty("query").GetString()!;
        Assert.Contains("percentile(duration, 95)", latency, StringComparison.Ordinal);
        Assert.Equal("WebPubSubEvents", bicep.Template.GetProperty("variables").GetProperty("eventHandlerFunction").GetString());
        Assert.Contains(typeof(Collab.Functions.Hub.WebPubSubEventsFunction).GetMethods().SelectMany(m => m.GetCustomAttributes<Microsoft.Azure.Functions.Worker.FunctionAttribute>()), f => f.Name == "WebPubSubEvents");
        Assert.Contains("variables('eventHandlerFunction')", latency, StringComparison.Ordinal);
        Assert.Contains("variables('eventHandlerRoute')", latency, StringComparison.Ordinal);
        Assert.Equal("[parameters('alertEventHandlerP95Ms')]", Criterion(rules["eventHandlerLatencyAlert"]).GetProperty("threshold").GetString());

        var dependencies = Criterion(rules["dependencyFailureAlert"]);
        Assert.StartsWith("dependencies | where success == false", dependencies.GetProperty("query").GetString()!, StringComparison.Ordinal);
        Assert.Equal("[parameters('alertDependencyFailures')]", dependencies.GetProperty("threshold").GetString());

        static JsonElement Criterion(JsonElement rule) => rule.GetProperty("properties").GetProperty("criteria").GetProperty("allOf")[0];
    }

    private static string Scope(JsonElement assignment) =>
        assignment.GetProperty("scope").GetString() switch
        {
            var s when s!.Contains("Microsoft.KeyVault/vaults", StringComparison.Ordinal) => "vault",
            var s when s!.Contains("Microsoft.Storage/storageAccounts", StringComparison.Ordinal) => "storage",
            var s => s!,
        };

    [GeneratedRegex("(ConnectionString|CONNECTION_STRING|Key|Secret)$")]
    private static partial Regex SecretName();

    [GeneratedRegex(@"variables\('roles'\)\.(\w+)")]
    private static partial Regex RoleId();

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex AppSettingReference();
}
