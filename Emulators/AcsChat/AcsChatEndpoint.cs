using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Emulators.AcsEvents;
using Collab.Emulators.AcsIdentity;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.AcsChat;

/// <summary>
/// The ACS Chat data plane under <c>/chat</c> (shared/protocols/acs-chat-rooms.md §2–§6): threads, participants,
/// messages, read receipts and typing, authenticated by the emulator's own ACS user tokens (acs-identity.md §5, §10.2),
/// with the service's success statuses (rule 2), <c>nextLink</c>s the SDK follows verbatim (rule 4), CORS for browsers,
/// and the thread-level chat events of §10 raised through <see cref="AcsEventPublisher"/>.
/// </summary>
public sealed class AcsChatEndpoint(
    ChatStore store,
    AcsUserTokenValidator tokens,
    IdentityStore identities,
    AcsEventPublisher events,
    IOptions<AcsIdentityEmulatorOptions> options,
    ILogger<AcsChatEndpoint> logger)
{
    private const string ExposedHeaders = "api-supported-versions, location, ms-cv, retry-after, x-ms-client-request-id, x-ms-request-id";
    private const string DefaultAllowedHeaders = "authorization, content-type, accept, repeatability-request-id, x-ms-client-request-id, x-ms-useragent";
    private const int MaxMetadataBytes = 1024;
    private static readonly string[] ChatScopes = ["chat", "chat.join", "chat.join.limited"];

    private AcsChatEmulatorOptions Options => options.Value.Chat;

    /// <summary>Handles one request under <c>/chat</c>.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (AnswerCors(context))
        {
            return;
        }

        context.Response.Headers["api-supported-versions"] = string.Join(", ", Options.ApiVersions);
        var reply = await DispatchAsync(context);
        if (reply.Raw is not null)
        {
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.Body.WriteAsync(reply.Raw);
        }
        else if (reply.Body is not null)
        {
            await AcsResponses.JsonAsync(context, reply.Status, reply.Body);
        }
        else
        {
            context.Response.StatusCode = reply.Status;
        }

        if (reply.Status >= 400 && request.Method != "OPTIONS")
        {
            logger.LogInformation("Chat {Method} {Path} answered {Status}", request.Method, request.Path, reply.Status);
        }
    }

    private async Task<Reply> DispatchAsync(HttpContext context)
    {
        var request = context.Request;
        var body = await AcsResponses.ReadBodyAsync(request, Options.MaxBodyBytes);
        if (body is null)
        {
            return Reply.Error(413, "RequestEntityTooLarge", $"The request body exceeds {Options.MaxBodyBytes} bytes.");
        }

        var authorization = request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
        var check = tokens.Validate(token);
        if (!check.IsValid || !check.Scopes.Any(ChatScopes.Contains))
        {
            logger.LogInformation("Refused chat {Method} {Path}: token {Reason}", request.Method, request.Path, check.Reason ?? "without a chat scope");
            return Reply.Error(401, "Unauthorized", "Request is not authorized.");
        }

        if (AcsResponses.ApiVersionError(request, Options.ApiVersions) is { } versionError)
        {
            return Reply.Error(400, versionError.Code, versionError.Message);
        }

        JsonObject json;
        try
        {
            var parsed = body.Length == 0 ? new JsonObject() : JsonNode.Parse(body);
            if (parsed is not JsonObject jsonObject)
            {
                return BadRequest("The request body must be a JSON object.");
            }

            json = jsonObject;
        }
        catch (JsonException)
        {
            return BadRequest("The request body is not valid JSON.");
        }

        var call = new Call(context, check.Identity!, check.Scopes, json, request.Query["api-version"].ToString());
        var segments = request.Path.Value!.Trim('/').Split('/')[1..];
        var reply = (request.Method, segments) switch
        {
            ("POST", ["threads"]) => CreateThread(call),
            ("GET", ["threads"]) => ListThreads(call),
            ("GET", ["threads", var t]) => WithThread(call, t, GetThread),
            ("PATCH", ["threads", var t]) => WithThread(call, t, UpdateThread),
            ("DELETE", ["threads", var t]) => WithThread(call, t, DeleteThread),
            ("POST", ["threads", var t, "messages"]) => WithThread(call, t, SendMessage),
            ("GET", ["threads", var t, "messages"]) => WithThread(call, t, ListMessages),
            ("GET", ["threads", var t, "messages", var m]) => WithThread(call, t, (c, thread, me) => GetMessage(thread, me, m)),
            ("PATCH", ["threads", var t, "messages", var m]) => WithThread(call, t, (c, thread, me) => UpdateMessage(c, thread, me, m)),
            ("DELETE", ["threads", var t, "messages", var m]) => WithThread(call, t, (c, thread, me) => DeleteMessage(c, thread, me, m)),
            ("POST", ["threads", var t, "participants", ":add"]) => WithThread(call, t, AddParticipants),
            ("POST", ["threads", var t, "participants", ":remove"]) => WithThread(call, t, RemoveParticipant),
            ("GET", ["threads", var t, "participants"]) => WithThread(call, t, ListParticipants),
            ("POST", ["threads", var t, "readReceipts"]) => WithThread(call, t, SendReadReceipt),
            ("GET", ["threads", var t, "readReceipts"]) => WithThread(call, t, ListReadReceipts),
            ("POST", ["threads", var t, "typing"]) => WithThread(call, t, (c, thread, me) => Reply.Empty(200)),
            _ => Reply.Error(404, "NotFound", "The resource was not found."),
        };

        foreach (var acsEvent in call.Events)
        {
            events.Publish(acsEvent);
        }

        return reply;
    }

    /// <summary>Answers a CORS preflight (true) or adds the CORS headers of an actual request from a browser.</summary>
    private static bool AnswerCors(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return false;
        }

        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = origin;
        headers.Vary = "Origin";
        if (!HttpMethods.IsOptions(context.Request.Method) || context.Request.Headers.AccessControlRequestMethod.Count == 0)
        {
            headers.AccessControlExposeHeaders = ExposedHeaders;
            return false;
        }

        var requested = context.Request.Headers.AccessControlRequestHeaders.ToString();
        headers.AccessControlAllowMethods = "GET, POST, PATCH, DELETE, OPTIONS";
        // The SDK's header set differs by build (x-ms-useragent in browsers); allow what the browser asks for.
        headers.AccessControlAllowHeaders = requested.Length > 0 ? requested : DefaultAllowedHeaders;
        headers.AccessControlMaxAge = "600";
        context.Response.StatusCode = 200;
        return true;
    }

    private Reply CreateThread(Call call)
    {
        if (!call.Has("chat"))
        {
            return ScopeForbidden();
        }

        var key = call.Context.Request.Headers["repeatability-request-id"].ToString();
        var (status, body) = key.Length == 0
            ? Serialize(CreateThreadOnce(call))
            : store.Once(call.Caller + "\n" + key, () => Serialize(CreateThreadOnce(call)));
        return new Reply(status, null, body);
    }

    private Reply CreateThreadOnce(Call call)
    {
        if (call.Body["topic"] is not JsonValue topicValue || !topicValue.TryGetValue<string>(out var topic) || topic.Length == 0)
        {
            return BadRequest("The topic is required.");
        }

        if (ReadMetadata(call.Body, out var metadata) is { } metadataError)
        {
            return metadataError;
        }

        if (ReadRetentionPolicy(call.Body, out var retention) is { } retentionError)
        {
            return retentionError;
        }

        if (ReadParticipants(call.Body, allowEmpty: true, out var requested, out var invalid) is { } participantsError)
        {
            return participantsError;
        }

        if (!requested.Any(p => p.RawId == call.Caller))
        {
            requested.Insert(0, new ChatParticipant(call.Caller));
        }

        if (requested.Count > Options.MaxParticipants)
        {
            return BadRequest($"A thread has at most {Options.MaxParticipants} participants.");
        }

        var now = store.Now;
        var thread = new ChatThread(ChatStore.NewThreadId(), call.Caller, now) { Topic = topic, Metadata = metadata, RetentionPolicy = retention };
        lock (thread.Gate)
        {
            thread.Participants.AddRange(requested);
            AppendSystemMessage(thread, "participantAdded", new JsonObject
            {
                ["participants"] = new JsonArray([.. requested.Select(p => (JsonNode)p.ToJson())]),
                ["initiatorCommunicationIdentifier"] = ChatIdentifiers.Model(call.Caller),
            });
            AppendSystemMessage(thread, "topicUpdated", new JsonObject
            {
                ["topic"] = topic,
                ["initiatorCommunicationIdentifier"] = ChatIdentifiers.Model(call.Caller),
            });
            if (!store.TryAdd(thread))
            {
                return LimitExceeded($"The emulator holds at most {Options.MaxThreads} chat threads (Acs:Chat:MaxThreads); delete some first.");
            }

            call.Events.Add(AcsChatEvents.ThreadCreated(thread));
            var result = new JsonObject { ["chatThread"] = ThreadProperties(thread) };
            if (invalid.Count > 0)
            {
                result["invalidParticipants"] = invalid;
            }

            logger.LogInformation("Chat thread {ThreadId} created by {Caller} with {Participants} participants", thread.Id, call.Caller, thread.Participants.Count);
            return new Reply(201, result);
        }
    }

    private Reply ListThreads(Call call)
    {
        if (ReadPaging(call, out var pageSize, out var skip) is { } pagingError)
        {
            return pagingError;
        }

        if (ReadStartTime(call, out var startTime) is { } startError)
        {
            return startError;
        }

        var items = new List<(DateTimeOffset Activity, JsonObject Item)>();
        foreach (var thread in store.Threads)
        {
            lock (thread.Gate)
            {
                if (thread.Deleted || (thread.Participant(call.Caller) is null && !thread.FormerParticipants.Contains(call.Caller)))
                {
                    continue;
                }

                var activity = thread.LastMessageReceivedOn ?? thread.CreatedOn;
                if (startTime is { } start && activity < start)
                {
                    continue;
                }

                var item = new JsonObject { ["id"] = thread.Id, ["topic"] = thread.Topic };
                if (thread.LastMessageReceivedOn is { } last)
                {
                    item["lastMessageReceivedOn"] = ChatIdentifiers.Format(last);
                }

                items.Add((activity, item));
            }
        }

        var ordered = items.OrderByDescending(i => i.Activity).ThenBy(i => i.Item["id"]!.GetValue<string>(), StringComparer.Ordinal).Select(i => i.Item);
        return Page(call, "/chat/threads", ordered, items.Count, skip, pageSize, startTime);
    }

    private Reply GetThread(Call call, ChatThread thread, ChatParticipant me) => new(200, ThreadProperties(thread));

    private Reply UpdateThread(Call call, ChatThread thread, ChatParticipant me)
    {
        if (!call.Has("chat"))
        {
            return ScopeForbidden();
        }

        string? topic = null;
        if (call.Body.TryGetPropertyValue("topic", out var topicNode) && topicNode is not null
            && (topicNode is not JsonValue topicValue || !topicValue.TryGetValue(out topic) || topic.Length == 0))
        {
            return BadRequest("The topic must be a non-empty string.");
        }

        if (ReadMetadata(call.Body, out var metadata) is { } metadataError)
        {
            return metadataError;
        }

        if (ReadRetentionPolicy(call.Body, out var retention) is { } retentionError)
        {
            return retentionError;
        }

        var now = store.Now;
        if (topic is not null)
        {
            thread.Topic = topic;
            AppendSystemMessage(thread, "topicUpdated", new JsonObject
            {
                ["topic"] = topic,
                ["initiatorCommunicationIdentifier"] = ChatIdentifiers.Model(call.Caller),
            });
        }

        thread.Metadata = metadata ?? thread.Metadata;
        thread.RetentionPolicy = retention ?? thread.RetentionPolicy;
        thread.Version = now.ToUnixTimeMilliseconds();
        call.Events.Add(AcsChatEvents.ThreadPropertiesUpdated(thread, call.Caller, now));
        return Reply.Empty(204);
    }

    private Reply DeleteThread(Call call, ChatThread thread, ChatParticipant me)
    {
        if (!call.Has("chat"))
        {
            return ScopeForbidden();
        }

        var now = store.Now;
        thread.Deleted = true;
        thread.Version = now.ToUnixTimeMilliseconds();
        store.Remove(thread.Id);
        call.Events.Add(AcsChatEvents.ThreadDeleted(thread, call.Caller, now));
        logger.LogInformation("Chat thread {ThreadId} deleted by {Caller}", thread.Id, call.Caller);
        return Reply.Empty(204);
    }

    private Reply SendMessage(Call call, ChatThread thread, ChatParticipant me)
    {
        if (ReadContent(call.Body, required: true, out var content) is { } contentError)
        {
            return contentError;
        }

        var type = "text";
        if (call.Body.TryGetPropertyValue("type", out var typeNode) && typeNode is not null)
        {
            type = typeNode is JsonValue typeValue && typeValue.TryGetValue<string>(out var t) ? t.ToLowerInvariant() : "";
            if (type is not ("text" or "html"))
            {
                return BadRequest("The message type must be text or html.");
            }
        }

        string displayName = "";
        if (call.Body.TryGetPropertyValue("senderDisplayName", out var nameNode) && nameNode is not null
            && (nameNode is not JsonValue nameValue || !nameValue.TryGetValue(out displayName!)))
        {
            return BadRequest("senderDisplayName must be a string.");
        }

        if (ReadMetadata(call.Body, out var metadata) is { } metadataError)
        {
            return metadataError;
        }

        if (thread.Messages.Count >= Options.MaxMessagesPerThread)
        {
            return LimitExceeded($"The emulator holds at most {Options.MaxMessagesPerThread} messages per thread (Acs:Chat:MaxMessagesPerThread).");
        }

        var (id, createdOn) = store.NewMessageId();
        var message = new ChatMessage(id, type, thread.NextSequenceId++, createdOn)
        {
            SenderRawId = call.Caller,
            SenderDisplayName = displayName,
            Text = type == "html" ? ChatHtml.Sanitize(content!) : content,
            Metadata = metadata,
        };
        Append(thread, message);
        call.Events.Add(AcsChatEvents.MessageReceived(thread, message));
        return new Reply(201, new JsonObject { ["id"] = id });
    }

    private Reply ListMessages(Call call, ChatThread thread, ChatParticipant me)
    {
        if (ReadPaging(call, out var pageSize, out _) is { } pagingError)
        {
            return pagingError;
        }

        if (ReadStartTime(call, out var startTime) is { } startError)
        {
            return startError;
        }

        long before = long.MaxValue;
        var syncState = call.Context.Request.Query["syncState"].ToString();
        if (syncState.Length > 0 && !long.TryParse(syncState, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out before))
        {
            return BadRequest("The syncState is not valid.");
        }

        // Newest first (§5); the cursor is the sequence id below which the next page starts, so new messages never shift pages.
        var page = new List<ChatMessage>();
        var more = false;
        for (var i = thread.Messages.Count - 1; i >= 0; i--)
        {
            var message = thread.Messages[i];
            if (message.SequenceId >= before || !Visible(me, message)
                || (startTime is { } start && message.CreatedOn < start && !(message.EditedOn >= start) && !(message.DeletedOn >= start)))
            {
                continue;
            }

            if (page.Count == pageSize)
            {
                more = true;
                break;
            }

            page.Add(message);
        }

        var result = new JsonObject { ["value"] = new JsonArray([.. page.Select(m => (JsonNode)m.ToJson())]) };
        if (more)
        {
            var query = $"syncState={page[^1].SequenceId.ToString("x", CultureInfo.InvariantCulture)}"
                + (startTime is { } s ? "&startTime=" + Uri.EscapeDataString(ChatIdentifiers.Format(s)) : "")
                + $"&maxPageSize={pageSize}&api-version={Uri.EscapeDataString(call.ApiVersion)}";
            result["nextLink"] = NextLink(call, $"/chat/threads/{thread.Id}/messages", query);
        }

        return new Reply(200, result);
    }

    private Reply GetMessage(ChatThread thread, ChatParticipant me, string messageId) =>
        FindMessage(thread, me, messageId) is { } message ? new Reply(200, message.ToJson()) : MessageNotFound();

    private Reply UpdateMessage(Call call, ChatThread thread, ChatParticipant me, string messageId)
    {
        if (FindMessage(thread, me, messageId) is not { } message || message.DeletedOn is not null)
        {
            return MessageNotFound();
        }

        if (!message.IsUserMessage || message.SenderRawId != call.Caller)
        {
            return Forbidden();
        }

        if (ReadContent(call.Body, required: false, out var content) is { } contentError)
        {
            return contentError;
        }

        if (ReadMetadata(call.Body, out var metadata) is { } metadataError)
        {
            return metadataError;
        }

        var now = store.Now;
        if (content is not null)
        {
            message.Text = message.Type == "html" ? ChatHtml.Sanitize(content) : content;
        }

        message.Metadata = metadata ?? message.Metadata;
        message.EditedOn = now;
        message.Version = Math.Max(now.ToUnixTimeMilliseconds(), long.Parse(message.Version, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
        call.Events.Add(AcsChatEvents.MessageEdited(thread, message));
        return Reply.Empty(204);
    }

    private Reply DeleteMessage(Call call, ChatThread thread, ChatParticipant me, string messageId)
    {
        if (FindMessage(thread, me, messageId) is not { } message)
        {
            return MessageNotFound();
        }

        if (!message.IsUserMessage || message.SenderRawId != call.Caller)
        {
            return Forbidden();
        }

        if (message.DeletedOn is not null)
        {
            return Reply.Empty(204);
        }

        var now = store.Now;
        message.DeletedOn = now;
        message.Version = Math.Max(now.ToUnixTimeMilliseconds(), long.Parse(message.Version, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
        call.Events.Add(AcsChatEvents.MessageDeleted(thread, message));
        message.Text = null;
        message.Metadata = null;
        return Reply.Empty(204);
    }

    private Reply AddParticipants(Call call, ChatThread thread, ChatParticipant me)
    {
        if (call.Has("chat.join.limited") && !call.Has("chat") && !call.Has("chat.join"))
        {
            return ScopeForbidden();
        }

        if (ReadParticipants(call.Body, allowEmpty: false, out var requested, out var invalid) is { } participantsError)
        {
            return participantsError;
        }

        var added = new List<ChatParticipant>();
        foreach (var participant in requested)
        {
            if (thread.Participant(participant.RawId) is { } existing)
            {
                existing.DisplayName = participant.DisplayName ?? existing.DisplayName;
                existing.ShareHistoryTime = participant.ShareHistoryTime;
                existing.Metadata = participant.Metadata ?? existing.Metadata;
            }
            else
            {
                added.Add(participant);
            }
        }

        if (thread.Participants.Count + added.Count > Options.MaxParticipants)
        {
            return BadRequest($"A thread has at most {Options.MaxParticipants} participants.");
        }

        if (added.Count > 0)
        {
            var now = store.Now;
            thread.Participants.AddRange(added);
            thread.FormerParticipants.RemoveAll(id => added.Any(p => p.RawId == id));
            thread.Version = now.ToUnixTimeMilliseconds();
            AppendSystemMessage(thread, "participantAdded", new JsonObject
            {
                ["participants"] = new JsonArray([.. added.Select(p => (JsonNode)p.ToJson())]),
                ["initiatorCommunicationIdentifier"] = ChatIdentifiers.Model(call.Caller),
            });
            call.Events.AddRange(added.Select(p => AcsChatEvents.ParticipantAdded(thread, call.Caller, p, now)));
        }

        return new Reply(201, invalid.Count > 0 ? new JsonObject { ["invalidParticipants"] = invalid } : new JsonObject());
    }

    private Reply RemoveParticipant(Call call, ChatThread thread, ChatParticipant me)
    {
        if (call.Has("chat.join.limited") && !call.Has("chat") && !call.Has("chat.join"))
        {
            return ScopeForbidden();
        }

        if (ChatIdentifiers.RawId(call.Body) is not { } rawId)
        {
            return BadRequest("The body must be a communication identifier with a rawId or communicationUser.id.");
        }

        // Removing someone who is not (or no longer) a participant changes nothing, so retries are safe.
        if (thread.Participant(rawId) is not { } removed)
        {
            return Reply.Empty(204);
        }

        var now = store.Now;
        thread.Participants.Remove(removed);
        thread.ReadReceipts.Remove(rawId);
        thread.FormerParticipants.Remove(rawId);
        thread.FormerParticipants.Add(rawId);
        if (thread.FormerParticipants.Count > Options.MaxFormerParticipantsPerThread)
        {
            thread.FormerParticipants.RemoveAt(0);
        }

        thread.Version = now.ToUnixTimeMilliseconds();
        AppendSystemMessage(thread, "participantRemoved", new JsonObject
        {
            ["participants"] = new JsonArray(removed.ToJson()),
            ["initiatorCommunicationIdentifier"] = ChatIdentifiers.Model(call.Caller),
        });
        call.Events.Add(AcsChatEvents.ParticipantRemoved(thread, call.Caller, removed, now));
        logger.LogInformation("{Participant} removed from chat thread {ThreadId} by {Caller}", rawId, thread.Id, call.Caller);
        return Reply.Empty(204);
    }

    private Reply ListParticipants(Call call, ChatThread thread, ChatParticipant me)
    {
        if (ReadPaging(call, out var pageSize, out var skip) is { } pagingError)
        {
            return pagingError;
        }

        return Page(call, $"/chat/threads/{thread.Id}/participants", thread.Participants.Select(p => p.ToJson()), thread.Participants.Count, skip, pageSize, null);
    }

    private Reply SendReadReceipt(Call call, ChatThread thread, ChatParticipant me)
    {
        if (call.Body["chatMessageId"] is not JsonValue idValue || !idValue.TryGetValue<string>(out var messageId) || messageId.Length == 0)
        {
            return BadRequest("chatMessageId is required.");
        }

        if (FindMessage(thread, me, messageId) is null)
        {
            return MessageNotFound();
        }

        // Above 20 participants the service keeps no read receipts (§5); the call still succeeds.
        if (thread.Participants.Count <= Options.MaxParticipantsForReadReceipts)
        {
            thread.ReadReceipts[call.Caller] = (messageId, store.Now);
        }

        return Reply.Empty(200);
    }

    private Reply ListReadReceipts(Call call, ChatThread thread, ChatParticipant me)
    {
        if (ReadPaging(call, out var pageSize, out var skip) is { } pagingError)
        {
            return pagingError;
        }

        var receipts = thread.Participants
            .Where(p => thread.ReadReceipts.ContainsKey(p.RawId))
            .Select(p => (Participant: p.RawId, Receipt: thread.ReadReceipts[p.RawId]))
            .Select(r => new JsonObject
            {
                ["senderCommunicationIdentifier"] = ChatIdentifiers.Model(r.Participant),
                ["chatMessageId"] = r.Receipt.MessageId,
                ["readOn"] = ChatIdentifiers.Format(r.Receipt.ReadOn),
            })
            .ToList();
        return Page(call, $"/chat/threads/{thread.Id}/readReceipts", receipts, receipts.Count, skip, pageSize, null);
    }

    /// <summary>
    /// Runs <paramref name="action"/> under the thread's lock for a current participant: 404 for an unknown or deleted
    /// thread, 403 for anyone else, a removed participant included (§5, §6).
    /// </summary>
    private Reply WithThread(Call call, string threadId, Func<Call, ChatThread, ChatParticipant, Reply> action)
    {
        if (store.Find(threadId) is not { } thread)
        {
            return Reply.Error(404, "NotFound", "The chat thread was not found.");
        }

        lock (thread.Gate)
        {
            if (thread.Deleted)
            {
                return Reply.Error(404, "NotFound", "The chat thread was not found.");
            }

            return thread.Participant(call.Caller) is { } me ? action(call, thread, me) : Forbidden();
        }
    }

    private static bool Visible(ChatParticipant participant, ChatMessage message) => message.CreatedOn >= participant.ShareHistoryTime;

    private static ChatMessage? FindMessage(ChatThread thread, ChatParticipant me, string messageId) =>
        thread.MessagesById.TryGetValue(messageId, out var message) && Visible(me, message) ? message : null;

    private void AppendSystemMessage(ChatThread thread, string type, JsonObject content)
    {
        // System messages record membership changes, which must never be refused; at the bound they evict the oldest message.
        if (thread.Messages.Count >= Options.MaxMessagesPerThread)
        {
            thread.MessagesById.Remove(thread.Messages[0].Id);
            thread.Messages.RemoveAt(0);
        }

        var (id, createdOn) = store.NewMessageId();
        Append(thread, new ChatMessage(id, type, thread.NextSequenceId++, createdOn) { SystemContent = content });
    }

    private static void Append(ChatThread thread, ChatMessage message)
    {
        thread.Messages.Add(message);
        thread.MessagesById[message.Id] = message;
        thread.LastMessageReceivedOn = message.CreatedOn;
    }

    private static JsonObject ThreadProperties(ChatThread thread)
    {
        var json = new JsonObject
        {
            ["id"] = thread.Id,
            ["topic"] = thread.Topic,
            ["createdOn"] = ChatIdentifiers.Format(thread.CreatedOn),
            ["createdByCommunicationIdentifier"] = ChatIdentifiers.Model(thread.CreatorRawId),
        };
        if (thread.Metadata is not null)
        {
            json["metadata"] = thread.Metadata.DeepClone();
        }

        if (thread.RetentionPolicy is not null)
        {
            json["retentionPolicy"] = thread.RetentionPolicy.DeepClone();
        }

        return json;
    }

    private static Reply Page(Call call, string path, IEnumerable<JsonObject> items, int total, int skip, int pageSize, DateTimeOffset? startTime)
    {
        var result = new JsonObject { ["value"] = new JsonArray([.. items.Skip(skip).Take(pageSize)]) };
        if (skip + pageSize < total)
        {
            var query = $"skip={skip + pageSize}"
                + (startTime is { } s ? "&startTime=" + Uri.EscapeDataString(ChatIdentifiers.Format(s)) : "")
                + $"&maxPageSize={pageSize}&api-version={Uri.EscapeDataString(call.ApiVersion)}";
            result["nextLink"] = NextLink(call, path, query);
        }

        return new Reply(200, result);
    }

    /// <summary>An absolute link on the caller's own origin; thread ids stay raw (<c>:</c>, <c>@</c>) as the service writes them (rule 6).</summary>
    private static string NextLink(Call call, string path, string query) =>
        $"{call.Context.Request.Scheme}://{call.Context.Request.Host}{path}?{query}";

    private Reply? ReadPaging(Call call, out int pageSize, out int skip)
    {
        pageSize = Options.DefaultPageSize;
        skip = 0;
        var query = call.Context.Request.Query;
        if (query.TryGetValue("maxPageSize", out var size)
            && (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize < 1 || pageSize > Options.MaxPageSize))
        {
            return BadRequest($"maxPageSize must be between 1 and {Options.MaxPageSize}.");
        }

        if (query.TryGetValue("skip", out var skipText) && !int.TryParse(skipText, NumberStyles.None, CultureInfo.InvariantCulture, out skip))
        {
            return BadRequest("skip must be a non-negative integer.");
        }

        return null;
    }

    private static Reply? ReadStartTime(Call call, out DateTimeOffset? startTime)
    {
        startTime = null;
        if (!call.Context.Request.Query.TryGetValue("startTime", out var text))
        {
            return null;
        }

        if (!ChatIdentifiers.TryParseTime(text, out var parsed))
        {
            return BadRequest("startTime must be an ISO 8601 date-time.");
        }

        startTime = parsed;
        return null;
    }

    private Reply? ReadContent(JsonObject body, bool required, out string? content)
    {
        content = null;
        if (!body.TryGetPropertyValue("content", out var node) || node is null)
        {
            return required ? BadRequest("The message content is required.") : null;
        }

        if (node is not JsonValue value || !value.TryGetValue(out content) || (required && content.Length == 0))
        {
            return BadRequest("The message content must be a non-empty string.");
        }

        if (Encoding.UTF8.GetByteCount(content) > Options.MaxMessageBytes)
        {
            return BadRequest($"The message content exceeds {Options.MaxMessageBytes} bytes.");
        }

        return null;
    }

    private static Reply? ReadMetadata(JsonObject body, out JsonObject? metadata)
    {
        metadata = null;
        if (!body.TryGetPropertyValue("metadata", out var node) || node is null)
        {
            return null;
        }

        if (node is not JsonObject map || map.Any(p => p.Value is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
        {
            return BadRequest("metadata must be an object of string values.");
        }

        if (Encoding.UTF8.GetByteCount(map.ToJsonString()) > MaxMetadataBytes)
        {
            return BadRequest($"metadata exceeds {MaxMetadataBytes} bytes.");
        }

        metadata = (JsonObject)map.DeepClone();
        return null;
    }

    private static Reply? ReadRetentionPolicy(JsonObject body, out JsonObject? policy)
    {
        policy = null;
        if (!body.TryGetPropertyValue("retentionPolicy", out var node) || node is null)
        {
            return null;
        }

        var kind = node["kind"] is JsonValue k && k.TryGetValue<string>(out var s) ? s : null;
        if (kind == "none")
        {
            policy = new JsonObject { ["kind"] = "none" };
            return null;
        }

        if (kind == "threadCreationDate" && node["deleteThreadAfterDays"] is JsonValue d && d.TryGetValue<int>(out var days) && days is >= 30 and <= 90)
        {
            policy = new JsonObject { ["kind"] = kind, ["deleteThreadAfterDays"] = days };
            return null;
        }

        return BadRequest("retentionPolicy must be {kind:none} or {kind:threadCreationDate, deleteThreadAfterDays: 30..90}.");
    }

    /// <summary>
    /// Reads <c>participants</c>: malformed entries are a 400; identities the emulator does not know become
    /// <c>invalidParticipants</c> entries (<c>{"code":"404","message":"Not found","target":rawId}</c>, §6).
    /// </summary>
    private Reply? ReadParticipants(JsonObject body, bool allowEmpty, out List<ChatParticipant> participants, out JsonArray invalid)
    {
        participants = [];
        invalid = [];
        if (!body.TryGetPropertyValue("participants", out var node) || node is null)
        {
            return allowEmpty ? null : BadRequest("participants is required.");
        }

        if (node is not JsonArray array || (!allowEmpty && array.Count == 0))
        {
            return BadRequest("participants must be a non-empty array.");
        }

        if (array.Count > Options.MaxParticipantsPerRequest)
        {
            return BadRequest($"At most {Options.MaxParticipantsPerRequest} participants can be added in one request.");
        }

        foreach (var entry in array)
        {
            if (entry is not JsonObject item || ChatIdentifiers.RawId(item["communicationIdentifier"]) is not { } rawId)
            {
                return BadRequest("Every participant needs a communicationIdentifier with a rawId or communicationUser.id.");
            }

            var participant = new ChatParticipant(rawId);
            if (item["displayName"] is JsonValue name && name.TryGetValue<string>(out var displayName))
            {
                participant.DisplayName = displayName;
            }

            if (item["shareHistoryTime"] is { } share)
            {
                if (share is not JsonValue shareValue || !shareValue.TryGetValue<string>(out var shareText) || !ChatIdentifiers.TryParseTime(shareText, out var shareTime))
                {
                    return BadRequest("shareHistoryTime must be an ISO 8601 date-time.");
                }

                participant.ShareHistoryTime = shareTime;
            }

            if (ReadMetadata(item, out var metadata) is { } metadataError)
            {
                return metadataError;
            }

            participant.Metadata = metadata;
            if (!identities.Exists(rawId))
            {
                invalid.Add(new JsonObject { ["code"] = "404", ["message"] = "Not found", ["target"] = rawId });
            }
            else if (!participants.Any(p => p.RawId == rawId))
            {
                participants.Add(participant);
            }
        }

        return null;
    }

    private static (int Status, byte[] Body) Serialize(Reply reply) => (reply.Status, JsonSerializer.SerializeToUtf8Bytes(reply.Body));

    private static Reply BadRequest(string message) => Reply.Error(400, "BadRequest", message);

    private static Reply Forbidden() =>
        Reply.Error(403, "Forbidden", "The initiator doesn't have the permission to perform the requested operation.");

    private static Reply ScopeForbidden() => Reply.Error(403, "Forbidden", "User is not allowed to perform specified action.");

    private static Reply MessageNotFound() => Reply.Error(404, "NotFound", "The chat message was not found.");

    private static Reply LimitExceeded(string message) => Reply.Error(400, "EmulatorLimitExceeded", message);

    /// <summary>What one authenticated request carries, and the events it raises (published once it is answered).</summary>
    private sealed class Call(HttpContext context, string caller, IReadOnlyList<string> scopes, JsonObject body, string apiVersion)
    {
        public HttpContext Context { get; } = context;

        public string Caller { get; } = caller;

        public JsonObject Body { get; } = body;

        public string ApiVersion { get; } = apiVersion;

        public List<AcsEvent> Events { get; } = [];

        public bool Has(string scope) => scopes.Contains(scope);
    }

    /// <summary>A status with a JSON body, already serialised bytes, or nothing.</summary>
    private sealed record Reply(int Status, JsonNode? Body, byte[]? Raw = null)
    {
        public static Reply Empty(int status) => new(status, null);

        public static Reply Error(int status, string code, string message) =>
            new(status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });
    }
}
