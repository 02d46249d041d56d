// eventsource-client: createEventSource({url, fetch, onMessage}), given a fetch() whose
// Response body the adapter feeds chunk by chunk.  onMessage receives eventsource-parser's
// {event, data, id} (the id of the message's own block); state `last_event_id` is the client's
// lastEventId getter (what it sends as Last-Event-ID when it reconnects).  It exposes no retry
// value and no reconnection time.  It decodes with its own TextDecoder and parses with
// eventsource-parser.  At the end of the stream it schedules a reconnection, which close()
// cancels.
import { createEventSource } from "eventsource-client";
import { eventStreamResponse, feedableBody, fetchOnce, installedVersion } from "./_stream.mjs";

const version = installedVersion("eventsource-client");

export const hello = {
  name: `eventsource-client@${version}`,
  description: `npm eventsource-client ${version}: createEventSource({url, fetch, onMessage}) over a fed Response body, node ${process.version}`,
  incremental: true,
  event_keys: ["type", "data", "id"],
  state_keys: ["last_event_id"],
  asynchronous: true,
};

export function open() {
  const events = [];
  const feeder = feedableBody();
  const source = createEventSource({
    url: "http://127.0.0.1/sse",
    fetch: fetchOnce(eventStreamResponse(feeder.body)),
    onMessage(message) {
      events.push({ type: message.event ?? "message", data: message.data, id: message.id ?? "" });
    },
  });
  return {
    events,
    feed: (bytes) => feeder.push(bytes),
    unread: feeder.unread,
    end: () => feeder.end(),
    stop: () => source.close(),
    state: () => ({ last_event_id: source.lastEventId ?? "" }),
  };
}
