// Collab on Azure: a Flex Consumption Function App with a user-assigned identity, Azure Communication Services,
// Web PubSub (its hub calling the app's event handler), Fluid Relay, Storage, Key Vault holding every secret, an
// Event Grid system topic on the ACS resource whose subscription calls the app's ACS events webhook, Log
// Analytics with Application Insights, and alerts (failure rate, event-handler p95 latency, dependency failures)
// mailed through an action group. Raw resources only, so it compiles offline; deploy with `azd up` or
// `az deployment group create -f infra/main.bicep -p infra/main.parameters.json`.
targetScope = 'resourceGroup'

@description('Short name of the environment (azd sets it); it makes the resource names unique.')
@minLength(2)
@maxLength(20)
param environmentName string

@description('Region of every regional resource.')
param location string = resourceGroup().location

@description('Where Azure Communication Services keeps its data at rest.')
@allowed(['United States', 'Europe', 'UK', 'Australia', 'Japan', 'France', 'Switzerland', 'Germany', 'Canada', 'India', 'Asia Pacific', 'Africa', 'Brazil', 'Korea', 'Norway', 'UAE'])
param acsDataLocation string = 'United States'

@description('Key Vault purge protection; keep it on in production (it cannot be turned off again).')
param keyVaultPurgeProtection bool = true

@description('Browser origins allowed to call the API, e.g. the Static Web App of the front-end.')
param corsAllowedOrigins array = []

@description('The Web PubSub hub the whiteboard clients use; the app reads the same name from WebPubSub__Hub.')
param webPubSubHub string = 'collab'

@description('Web PubSub SKU.')
@allowed(['Free_F1', 'Standard_S1', 'Premium_P1'])
param webPubSubSku string = 'Standard_S1'

@description('Fluid Relay storage SKU.')
@allowed(['basic', 'standard'])
param fluidRelayStorageSku string = 'standard'

@description('Client id of the Entra app registration App Service Authentication signs users in with.')
param authClientId string

@description('Entra tenant of that app registration.')
param authTenantId string = tenant().tenantId

@description('NCRONTAB schedule of the snapshot timer.')
param snapshotSchedule string = '0 */5 * * * *'

@description('Highest number of instances the Flex Consumption plan may scale out to (40 or more).')
@minValue(40)
param maximumInstanceCount int = 100

@description('The secret Event Grid sends to /api/acs/events in the X-Collab-Events-Secret header (16-256 characters: A-Z, a-z, 0-9, - _ . ~). Required and kept in Key Vault: give the same value on every deployment (azd env set ACS_EVENTS_SECRET), so a redeployment does not rotate it.')
@secure()
@minLength(16)
param acsEventsSecret string

@description('During a rotation, the secret Event Grid sent until now: the app accepts it as well until a later deployment leaves it empty (docs/deploy.md).')
@secure()
param acsEventsPreviousSecret string = ''

@description('Who the alerts mail (the action group\'s one email receiver).')
param alertEmail string

@description('Alert when more than this percentage of the app\'s requests fail within 5 minutes (with at least alertMinimumRequests requests).')
@minValue(1)
@maxValue(100)
param alertFailureRatePercent int = 5

@description('Fewest requests in 5 minutes for the failure-rate alert to judge: a handful of failures at night is not an outage.')
@minValue(1)
param alertMinimumRequests int = 20

@description('Alert when the 95th percentile of the Web PubSub event handler\'s duration over 5 minutes exceeds this many milliseconds.')
@minValue(10)
param alertEventHandlerP95Ms int = 500

@description('Alert when more than this many calls to dependencies (Storage, Web PubSub, ACS, Key Vault) fail within 5 minutes.')
@minValue(0)
param alertDependencyFailures int = 5

@description('Create the Event Grid subscription to /api/acs/events. Its validation handshake needs the app deployed, so the first deployment leaves it off; deploy again with acsEventSubscription=true once the code is deployed (docs/deploy.md).')
param acsEventSubscription bool = false

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var prefix = toLower('collab-${environmentName}')
var tags = { 'azd-env-name': environmentName, application: 'collab' }
var deploymentContainer = 'app-package'
var boardContainers = ['whiteboards', 'identities', 'recordings']
var eventHandlerRoute = 'api/eventhandler'
var acsEventsRoute = 'api/acs/events'
var relayedChatEvents = [
  'Microsoft.Communication.ChatMessageReceivedInThread'
  'Microsoft.Communication.ChatMessageEditedInThread'
  'Microsoft.Communication.ChatMessageDeletedInThread'
]
// The Web PubSub event handler's function name: its requests are the ones whose latency users feel on every stroke.
var eventHandlerFunction = 'WebPubSubEvents'
var roles = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${prefix}-id'
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: take('st${replace(environmentName, '-', '')}${token}', 24)
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = [for name in concat(boardContainers, [deploymentContainer]): {
  parent: blobs
  name: name
  properties: { publicAccess: 'None' }
}]

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${prefix}-logs'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${prefix}-insights'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
  }
}

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: '${prefix}-acs-${token}'
  location: 'global'
  tags: tags
  properties: { dataLocation: acsDataLocation }
}

resource webPubSub 'Microsoft.SignalRService/webPubSub@2024-03-01' = {
  name: '${prefix}-wps-${token}'
  location: location
  tags: tags
  sku: { name: webPubSubSku, capacity: 1 }
  properties: {
    // Access-key client tokens and ce-signature on upstream events both need local auth.
    disableLocalAuth: false
    publicNetworkAccess: 'Enabled'
    tls: { clientCertEnabled: false }
  }
}

resource hub 'Microsoft.SignalRService/webPubSub/hubs@2024-03-01' = {
  parent: webPubSub
  name: webPubSubHub
  properties: {
    anonymousConnectPolicy: 'deny'
    eventHandlers: [
      {
        // Anonymous for Functions and excluded from App Service Authentication: every event carries ce-signature.
        urlTemplate: 'https://${functionApp.properties.defaultHostName}/${eventHandlerRoute}'
        userEventPattern: '*'
        systemEvents: ['connect', 'connected', 'disconnected']
      }
    ]
  }
}

resource fluidRelay 'Microsoft.FluidRelay/fluidRelayServers@2022-06-01' = {
  name: '${prefix}-frs-${token}'
  location: location
  tags: tags
  properties: { storagesku: fluidRelayStorageSku }
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: take('kv-${replace(environmentName, '-', '')}-${token}', 24)
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: keyVaultPurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource acsSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'acs-connection-string'
  properties: { value: communication.listKeys().primaryConnectionString }
}

resource webPubSubSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'webpubsub-connection-string'
  properties: { value: webPubSub.listKeys().primaryConnectionString }
}

resource webPubSubSecondarySecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'webpubsub-secondary-key'
  properties: { value: webPubSub.listKeys().secondaryKey }
}

resource fluidRelaySecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'fluid-relay-key'
  properties: { value: fluidRelay.listKeys().key1 }
}

resource acsEventsSecretValue 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'acs-events-secret'
  properties: { value: acsEventsSecret }
}

// Always written (a single space when there is no previous secret, which the app reads as none), so the app setting
// can reference it unconditionally.
resource acsEventsPreviousSecretValue 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'acs-events-previous-secret'
  properties: { value: empty(acsEventsPreviousSecret) ? ' ' : acsEventsPreviousSecret }
}

resource insightsSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'appinsights-connection-string'
  properties: { value: insights.properties.ConnectionString }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${prefix}-plan'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: '${prefix}-func-${token}'
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: 2048 }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      cors: { allowedOrigins: corsAllowedOrigins, supportCredentials: !empty(corsAllowedOrigins) }
      appSettings: [
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__blobServiceUri', value: storage.properties.primaryEndpoints.blob }
        { name: 'AzureWebJobsStorage__queueServiceUri', value: storage.properties.primaryEndpoints.queue }
        { name: 'AzureWebJobsStorage__tableServiceUri', value: storage.properties.primaryEndpoints.table }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: keyVaultReference(insightsSecret.properties.secretUri) }
        { name: 'Storage__IdentitiesContainer', value: 'identities' }
        { name: 'WebPubSub__ConnectionString', value: keyVaultReference(webPubSubSecret.properties.secretUri) }
        { name: 'WebPubSub__SecondaryAccessKey', value: keyVaultReference(webPubSubSecondarySecret.properties.secretUri) }
        { name: 'WebPubSub__Hub', value: webPubSubHub }
        { name: 'Acs__ConnectionString', value: keyVaultReference(acsSecret.properties.secretUri) }
        { name: 'Acs__ClientEndpoint', value: 'https://${communication.properties.hostName}/' }
        // The versioned URI: a deployment that rotates the secret changes the setting, so the app reads the new one at once.
        { name: 'Acs__EventsSecret', value: keyVaultReference(acsEventsSecretValue.properties.secretUriWithVersion) }
        { name: 'Acs__EventsPreviousSecret', value: keyVaultReference(acsEventsPreviousSecretValue.properties.secretUriWithVersion) }
        { name: 'FluidRelay__TenantId', value: fluidRelay.properties.frsTenantId }
        { name: 'FluidRelay__TenantKey', value: keyVaultReference(fluidRelaySecret.properties.secretUri) }
        { name: 'FluidRelay__Endpoint', value: fluidRelay.properties.fluidRelayEndpoints.ordererEndpoints[0] }
        { name: 'FluidRelay__AllowLocalTenant', value: 'false' }
        { name: 'Boards__SnapshotSchedule', value: snapshotSchedule }
        { name: 'Cors__AllowedOrigins', value: join(corsAllowedOrigins, ',') }
        // App Service Authentication's MCP support (preview): with this set it serves /.well-known/oauth-protected-resource
        // (RFC 9728) naming the Entra issuer and this scope, and its 401s carry WWW-Authenticate resource_metadata, so
        // MCP clients of /api/mcp discover how to sign in. The scope is the one App Service's registration defines.
        { name: 'WEBSITE_AUTH_PRM_DEFAULT_WITH_SCOPES', value: mcpAgentScope }
      ]
    }
  }
  dependsOn: [
    containers
    keyVaultSecretsUser
    storageBlobDataOwner
  ]
}

// The delegated scope MCP clients ask Entra for: a bearer token for it makes the agent act as the signed-in user.
var mcpAgentScope = 'api://${authClientId}/user_impersonation'

resource authentication 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      // Web PubSub authenticates with ce-signature, Event Grid with the secret in its delivery header, and probes need no identity.
      excludedPaths: ['/${eventHandlerRoute}', '/${acsEventsRoute}', '/api/health']
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${authTenantId}/v2.0'
        }
        // v1 tokens name the app id URI; v2 tokens, which MCP clients get for mcpAgentScope, name the client id.
        validation: { allowedAudiences: ['api://${authClientId}', authClientId] }
      }
    }
    login: { tokenStore: { enabled: true } }
  }
}

// ACS raises its chat events on this topic (shared/protocols/acs-chat-rooms.md §10); the subscription relays the
// thread-level message events to the app, which sends each to its board's Web PubSub group.
resource acsEvents 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: '${prefix}-acs-events'
  location: 'global'
  tags: tags
  properties: {
    source: communication.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

resource acsEventsSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = if (acsEventSubscription) {
  parent: acsEvents
  name: 'collab-chat-relay'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${functionApp.properties.defaultHostName}/${acsEventsRoute}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
        // A header, not a query parameter: URLs end up in request logs, and isSecret hides the value in the portal.
        deliveryAttributeMappings: [
          {
            name: 'X-Collab-Events-Secret'
            type: 'Static'
            properties: { value: acsEventsSecret, isSecret: true }
          }
        ]
      }
    }
    filter: { includedEventTypes: relayedChatEvents }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }
  }
  dependsOn: [
    authentication
  ]
}

// Alerts read the Application Insights resource's tables (requests, dependencies), which the worker fills through
// its OpenTelemetry exporter: server spans become requests, outgoing calls dependencies (docs/deploy.md).
resource alertGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${prefix}-alerts'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'collab'
    enabled: true
    emailReceivers: [
      { name: 'operator', emailAddress: alertEmail, useCommonAlertSchema: true }
    ]
  }
}

resource failureRateAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${prefix}-failure-rate'
  location: location
  tags: tags
  properties: {
    displayName: 'Collab: request failure rate'
    description: 'More than ${alertFailureRatePercent}% of the app\'s requests failed in 5 minutes.'
    severity: 1
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'requests | summarize total = count(), failed = countif(success == false) | where total >= ${alertMinimumRequests} | project failureRate = 100.0 * failed / total'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'failureRate'
          operator: 'GreaterThan'
          threshold: alertFailureRatePercent
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [alertGroup.id] }
  }
}

resource eventHandlerLatencyAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${prefix}-eventhandler-p95'
  location: location
  tags: tags
  properties: {
    displayName: 'Collab: event handler p95 latency'
    description: 'The 95th percentile of the Web PubSub event handler\'s duration exceeded ${alertEventHandlerP95Ms} ms over 5 minutes.'
    severity: 2
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'requests | where operation_Name == \'${eventHandlerFunction}\' or url endswith \'/${eventHandlerRoute}\' | summarize p95 = percentile(duration, 95)'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'p95'
          operator: 'GreaterThan'
          threshold: alertEventHandlerP95Ms
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [alertGroup.id] }
  }
}

resource dependencyFailureAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${prefix}-dependency-failures'
  location: location
  tags: tags
  properties: {
    displayName: 'Collab: dependency failures'
    description: 'More than ${alertDependencyFailures} calls to Storage, Web PubSub, ACS or Key Vault failed in 5 minutes.'
    severity: 2
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'dependencies | where success == false | summarize failures = count() by target = tostring(split(target, \' \')[0])'
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          dimensions: [
            { name: 'target', operator: 'Include', values: ['*'] }
          ]
          operator: 'GreaterThan'
          threshold: alertDependencyFailures
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [alertGroup.id] }
  }
}

resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource storageBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

@description('Wraps a secret URI in an App Service Key Vault reference.')
func keyVaultReference(secretUri string) string => '@Microsoft.KeyVault(SecretUri=${secretUri})'

@description('The Function App, whose /api/... the front-end calls.')
output functionAppUrl string = 'https://${functionApp.properties.defaultHostName}'

@description('The Web PubSub endpoint.')
output webPubSubEndpoint string = 'https://${webPubSub.properties.hostName}'

@description('The Fluid Relay orderer endpoint the Fluid client connects to.')
output fluidRelayEndpoint string = fluidRelay.properties.fluidRelayEndpoints.ordererEndpoints[0]

@description('The Fluid Relay tenant id.')
output fluidRelayTenantId string = fluidRelay.properties.frsTenantId

@description('The Key Vault holding every secret.')
output keyVaultName string = vault.name

@description('The action group the alerts mail.')
output alertActionGroupName string = alertGroup.name

@description('The hub whose event handler calls the app.')
output webPubSubHubName string = hub.name
