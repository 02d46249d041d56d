// eventsource-parser: createParser({onEvent, onRetry}).feed(text).  It takes text, so bytes are
// decoded here the way a browser or a fetch()-based client does: one streaming
// TextDecoder("utf-8") per stream (U+FFFD for invalid input, a leading BOM removed).
import { createParser } from "eventsource-parser";
import { makeHello, parsedEvent } from "./_session.mjs";

export const hello = makeHello({
  package: "eventsource-parser",
  how: "(createParser + TextDecoder)",
  event_keys: ["type", "data", "id"],
  state_keys: ["reconnection_time"],
  asynchronous: false,
});

export function open() {
  const events = [];
  let reconnection = null;
  const decoder = new TextDecoder("utf-8");
  const parser = createParser({
    onEvent(event) {
      // event.id is the id field of this event's own block (not sticky).
      events.push(parsedEvent(event));
    },
    onRetry(ms) {
      reconnection = ms;
    },
  });
  return {
    events,
    feed(bytes) {
      parser.feed(decoder.decode(bytes, { stream: true }));
    },
    end() {
      const rest = decoder.decode();
      if (rest) parser.feed(rest);
    },
    state: () => ({ reconnection_time: reconnection }),
  };
}
