// eventsource (the EventSource client most Node code uses): new EventSource(url, {fetch}).
// Its `fetch` option (v3+) is given a fetch() whose Response body the adapter feeds chunk by
// chunk.  Every MessageEvent it dispatches is recorded (dispatchEvent is overridden, so named
// events need no listener).  The library decodes with its own TextDecoder and parses with
// eventsource-parser.  MessageEvent.lastEventId is reported as `id`; the library exposes no
// retry value and no reconnection time, and its last event ID is private.  At the end of the
// stream it schedules a reconnection, which close() cancels.
import { EventSource } from "eventsource";
import { eventStreamResponse, feedableBody, fetchOnce, installedVersion } from "./_stream.mjs";

const version = installedVersion("eventsource");

export const hello = {
  name: `eventsource@${version}`,
  description: `npm eventsource ${version}: new EventSource(url, {fetch}) over a fed Response body, node ${process.version}`,
  incremental: true,
  event_keys: ["type", "data", "id"],
  state_keys: [],
  asynchronous: true,
};

class RecordingEventSource extends EventSource {
  constructor(url, init, events) {
    super(url, init);
    this.recorded = events;
  }

  dispatchEvent(event) {
    if (event instanceof MessageEvent) {
      this.recorded.push({ type: event.type, data: event.data, id: event.lastEventId });
    }
    return super.dispatchEvent(event);
  }
}

export function open() {
  const events = [];
  const feeder = feedableBody();
  let failure = null;
  const source = new RecordingEventSource(
    "http://127.0.0.1/sse",
    { fetch: fetchOnce(eventStreamResponse(feeder.body)) },
    events,
  );
  let ended = false;
  source.onerror = (event) => {
    // The error event at the end of the stream announces the reconnection; one before it is a failure.
    if (!ended) failure ??= new Error(`error event before the end of the stream: ${event.message}`);
  };
  return {
    events,
    feed: (bytes) => feeder.push(bytes),
    unread: feeder.unread,
    end() {
      ended = true;
      feeder.end();
    },
    stop: () => source.close(),
    failure: () => failure,
  };
}
