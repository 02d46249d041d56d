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
import { fedSession, makeHello } from "./_session.mjs";

globalThis.window ??= globalThis;
globalThis.document ??= { hidden: false, addEventListener() {}, removeEventListener() {} };

const { fetchEventSource } = await import("@microsoft/fetch-event-source");

export const hello = makeHello({
  package: "@microsoft/fetch-event-source",
  how: "fetchEventSource(url, {fetch, onmessage}) over a fed Response body",
  event_keys: ["type", "data", "id", "retry"],
});

/** fetchEventSource's message as the protocol's dict. */
function asDict(message) {
  return { type: message.event || "message", data: message.data, id: message.id, retry: message.retry ?? null };
}

export function open() {
  return fedSession(({ fetch, signal, push }) =>
    fetchEventSource("http://127.0.0.1/sse", {
      fetch,
      signal,
      openWhenHidden: true,
      onmessage: (message) => push(asDict(message)),
      onerror(err) {
        throw err;
      },
    }),
  );
}
