// What the parser modules share beyond the fed body (_stream.mjs): their `hello`, the stream
// object `open()` returns to adapter.mjs, and the recording of what a client dispatches.
//
// A module is then only what is specific to its package: how the client is started on the fed
// body, and how its events map to the protocol's dict ({type, data, id, retry}, the keys it
// announces in hello.event_keys).
import { eventStreamResponse, feedableBody, fetchOnce, installedVersion } from "./_stream.mjs";

/**
 * The capabilities of one package's adapter (the `hello` answer, apart from supports_limits).
 * The description reads `npm PACKAGE VERSION: HOW, node VERSION`; a `how` in parentheses
 * follows the version directly.  `asynchronous`: the client reads a stream, so adapter.mjs
 * waits until it has processed each chunk (settle()) before answering.
 */
export function makeHello({ package: name, how, event_keys, state_keys = [], asynchronous = true }) {
  const version = installedVersion(name);
  const lead = how.startsWith("(") ? " " : ": ";
  const hello = {
    name: `${name}@${version}`,
    description: `npm ${name} ${version}${lead}${how}, node ${process.version}`,
    incremental: true,
    event_keys,
    state_keys,
  };
  if (asynchronous) hello.asynchronous = true;
  return hello;
}

/**
 * The stream adapter.mjs drives (see its header) for a client that reads a fed Response body.
 * `start(client)` starts the client; `client` has what it reads and how it reports:
 *   body      the fed ReadableStream (one chunk per feed)
 *   response  a 200 text/event-stream Response around body
 *   fetch     a fetch() answering the first request with response, failing a reconnection
 *   signal    an AbortSignal, aborted by stop() unless start says how to stop
 *   push(e)   record a dispatched event (already mapped to the protocol's dict)
 *   fail(err) record an error the client raised in the background (the first one counts)
 *   ended()   whether the end of the stream has been fed
 * `start` returns either a promise, the client's reading loop (stopped through signal), or
 * what only the package knows, each part optional:
 *   running   the client's reading loop, a promise
 *   stop()    how to stop the client (no reconnection) once the stream is over
 *   state()   the keys announced in hello.state_keys
 * A rejection of the reading loop is recorded as the failure.
 */
export function fedSession(start) {
  const events = [];
  const feeder = feedableBody();
  const controller = new AbortController();
  const response = eventStreamResponse(feeder.body);
  let failure = null;
  let ended = false;
  const fail = (err) => {
    failure ??= err;
  };
  const started = start({
    body: feeder.body,
    response,
    fetch: fetchOnce(response),
    signal: controller.signal,
    push: (event) => events.push(event),
    fail,
    ended: () => ended,
  });
  const client = typeof started.then === "function" ? { running: started } : started;
  if (client.running) client.running.catch(fail);
  const session = {
    events,
    feed: (bytes) => feeder.push(bytes),
    unread: feeder.unread,
    end() {
      ended = true;
      feeder.end();
    },
    stop: client.stop ?? (() => controller.abort()),
    failure: () => failure,
  };
  if (client.state) session.state = client.state;
  return session;
}

/**
 * A subclass of an EventSource class that records every MessageEvent it dispatches
 * (dispatchEvent is overridden, so named events need no listener), with MessageEvent.lastEventId
 * as `id`: new (recordingEventSource(EventSource))(url, init, push).
 */
export function recordingEventSource(EventSourceClass) {
  return class RecordingEventSource extends EventSourceClass {
    constructor(url, init, push) {
      super(url, init);
      this.record = push;
    }

    dispatchEvent(event) {
      if (event instanceof MessageEvent) {
        this.record({ type: event.type, data: event.data, id: event.lastEventId });
      }
      return super.dispatchEvent(event);
    }
  };
}

/**
 * eventsource-parser's event ({event, data, id}, as onEvent/onMessage receive it) as the
 * protocol's dict: the type "message" when the block has no `event` field, its own block's id.
 */
export function parsedEvent(event) {
  return { type: event.event ?? "message", data: event.data, id: event.id ?? "" };
}
