// extended-eventsource: new EventSource(url, {fetch, disableRetry: true}), given a fetch()
// whose Response body the adapter feeds chunk by chunk.  Every MessageEvent it dispatches is
// recorded (dispatchEvent is overridden, so named events need no listener);
// MessageEvent.lastEventId is reported as `id`.  State: `last_event_id` is the id it sends as
// Last-Event-ID when it reconnects (its currentLastEventId field) and `reconnection_time` the
// last value passed to onRetryDelayReceived (null before one; its own default is 5000 ms).
// disableRetry stops the reconnection at the end of the stream.  The library parses bytes
// itself (a TextDecoder per field).
import { EventSource } from "extended-eventsource";
import { fedSession, makeHello, recordingEventSource } from "./_session.mjs";

export const hello = makeHello({
  package: "extended-eventsource",
  how: "new EventSource(url, {fetch, disableRetry}) over a fed Response body",
  event_keys: ["type", "data", "id"],
  state_keys: ["last_event_id", "reconnection_time"],
});

const RecordingEventSource = recordingEventSource(EventSource);

export function open() {
  return fedSession(({ fetch, push, fail, ended }) => {
    let reconnection = null;
    const source = new RecordingEventSource(
      "http://127.0.0.1/sse",
      { fetch, disableRetry: true, disableLogger: true },
      push,
    );
    source.onRetryDelayReceived = (delay) => {
      reconnection = delay;
    };
    source.onerror = () => {
      // The error event at the end of the stream announces the reconnection; one before it is a failure.
      if (!ended()) fail(new Error("error event before the end of the stream"));
    };
    return {
      stop: () => source.close(),
      state: () => ({ last_event_id: source.currentLastEventId ?? "", reconnection_time: reconnection }),
    };
  });
}
