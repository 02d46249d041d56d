// extended-eventsource: new EventSource(url, {fetch, disableRetry: true}), given a fetch()
// whose Response body the adapter feeds chunk by chunk.  Every MessageEvent it dispatches is
// recorded (dispatchEvent is overridden, so named events need no listener);
// MessageEvent.lastEventId is reported as `id`.  State: `last_event_id` is the id it sends as
// Last-Event-ID when it reconnects (its currentLastEventId field) and `reconnection_time` the
// last value passed to onRetryDelayReceived (null before one; its own default is 5000 ms).
// disableRetry stops the reconnection at the end of the stream.  The library parses bytes
// itself (a TextDecoder per field).
import { EventSource } from "extended-eventsource";
import { eventStreamResponse, feedableBody, fetchOnce, installedVersion } from "./_stream.mjs";

const version = installedVersion("extended-eventsource");

export const hello = {
  name: `extended-eventsource@${version}`,
  description: `npm extended-eventsource ${version}: new EventSource(url, {fetch, disableRetry}) over a fed Response body, node ${process.version}`,
  incremental: true,
  event_keys: ["type", "data", "id"],
  state_keys: ["last_event_id", "reconnection_time"],
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
  let ended = false;
  let reconnection = null;
  const source = new RecordingEventSource(
    "http://127.0.0.1/sse",
    { fetch: fetchOnce(eventStreamResponse(feeder.body)), disableRetry: true, disableLogger: true },
    events,
  );
  source.onRetryDelayReceived = (delay) => {
    reconnection = delay;
  };
  source.onerror = () => {
    // The error event at the end of the stream announces the reconnection; one before it is a failure.
    if (!ended) failure ??= new Error("error event before the end of the stream");
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
    state: () => ({ last_event_id: source.currentLastEventId ?? "", reconnection_time: reconnection }),
    failure: () => failure,
  };
}
