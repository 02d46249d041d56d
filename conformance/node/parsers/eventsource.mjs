// eventsource (the EventSource client most Node code uses): new EventSource(url, {fetch}).
// Its `fetch` option (v3+) is given a fetch() whose Response body the adapter feeds chunk by
// chunk.  Every MessageEvent it dispatches is recorded (dispatchEvent is overridden, so named
// events need no listener).  The library decodes with its own TextDecoder and parses with
// eventsource-parser.  MessageEvent.lastEventId is reported as `id`; the library exposes no
// retry value and no reconnection time, and its last event ID is private.  At the end of the
// stream it schedules a reconnection, which close() cancels.
import { EventSource } from "eventsource";
import { fedSession, makeHello, recordingEventSource } from "./_session.mjs";

export const hello = makeHello({
  package: "eventsource",
  how: "new EventSource(url, {fetch}) over a fed Response body",
  event_keys: ["type", "data", "id"],
});

const RecordingEventSource = recordingEventSource(EventSource);

export function open() {
  return fedSession(({ fetch, push, fail, ended }) => {
    const source = new RecordingEventSource("http://127.0.0.1/sse", { fetch }, push);
    source.onerror = (event) => {
      // The error event at the end of the stream announces the reconnection; one before it is a failure.
      if (!ended()) fail(new Error(`error event before the end of the stream: ${event.message}`));
    };
    return { stop: () => source.close() };
  });
}
