// @microsoft/fetch-event-source: fetchEventSource(url, {fetch, onmessage, onclose, onerror}).
// Given a fetch() whose Response body the adapter feeds chunk by chunk.  onmessage receives
// {event, data, id, retry} for every blank line; `id` and `retry` are those of the message's
// own block ("" / undefined when it has none), reported as given, the type as "message" when
// `event` is "".  The library parses bytes itself (a TextDecoder per field).
//
// It is written for browsers: it calls window.setTimeout/clearTimeout and
// document.add/removeEventListener("visibilitychange") (even with openWhenHidden: true, in
// dispose()), so the adapter defines `window` and an inert `document` for it, as Node users of
// the package do.  At the end of the stream it calls onclose and resolves (it retries only if
// onclose throws); onerror throws, so an error ends the stream instead of retrying.
import { installedVersion, eventStreamResponse, feedableBody, fetchOnce } from "./_stream.mjs";

globalThis.window ??= globalThis;
globalThis.document ??= { hidden: false, addEventListener() {}, removeEventListener() {} };

const { fetchEventSource } = await import("@microsoft/fetch-event-source");
const version = installedVersion("@microsoft/fetch-event-source");

export const hello = {
  name: `@microsoft/fetch-event-source@${version}`,
  description: `npm @microsoft/fetch-event-source ${version}: fetchEventSource(url, {fetch, onmessage}) over a fed Response body, node ${process.version}`,
  incremental: true,
  event_keys: ["type", "data", "id", "retry"],
  state_keys: [],
  asynchronous: true,
};

export function open() {
  const events = [];
  const feeder = feedableBody();
  const controller = new AbortController();
  let failure = null;
  fetchEventSource("http://127.0.0.1/sse", {
    fetch: fetchOnce(eventStreamResponse(feeder.body)),
    signal: controller.signal,
    openWhenHidden: true,
    onmessage(message) {
      events.push({ type: message.event || "message", data: message.data, id: message.id, retry: message.retry ?? null });
    },
    onerror(err) {
      throw err;
    },
  }).catch((err) => {
    failure ??= err;
  });
  return {
    events,
    feed: (bytes) => feeder.push(bytes),
    unread: feeder.unread,
    end: () => feeder.end(),
    stop: () => controller.abort(),
    failure: () => failure,
  };
}
