// eventsource-client: createEventSource({url, fetch, onMessage}), given a fetch() whose
// Response body the adapter feeds chunk by chunk.  onMessage receives eventsource-parser's
// {event, data, id} (the id of the message's own block); state `last_event_id` is the client's
// lastEventId getter (what it sends as Last-Event-ID when it reconnects).  It exposes no retry
// value and no reconnection time.  It decodes with its own TextDecoder and parses with
// eventsource-parser.  At the end of the stream it schedules a reconnection, which close()
// cancels.
import { createEventSource } from "eventsource-client";
import { fedSession, makeHello, parsedEvent } from "./_session.mjs";

export const hello = makeHello({
  package: "eventsource-client",
  how: "createEventSource({url, fetch, onMessage}) over a fed Response body",
  event_keys: ["type", "data", "id"],
  state_keys: ["last_event_id"],
});

export function open() {
  return fedSession(({ fetch, push }) => {
    const source = createEventSource({ url: "http://127.0.0.1/sse", fetch, onMessage: (message) => push(parsedEvent(message)) });
    return {
      stop: () => source.close(),
      state: () => ({ last_event_id: source.lastEventId ?? "" }),
    };
  });
}
