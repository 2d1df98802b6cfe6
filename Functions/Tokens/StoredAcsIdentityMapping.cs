using Azure;

namespace Collab.Functions.Tokens;

/// <summary>A mapping read from storage, with the ETag that conditional deletes need.</summary>
/// <param name="Mapping">The mapping.</param>
/// <param name="ETag">Its blob's ETag.</param>
public sealed record StoredAcsIdentityMapping(AcsIdentityMapping Mapping, ETag ETag);
