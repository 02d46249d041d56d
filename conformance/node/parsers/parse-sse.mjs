// parse-sse: parseServerSentEvents(response) is a ReadableStream of {type, data, lastEventId,
// retry}, read from a Response whose body the adapter feeds chunk by chunk.  The library
// decodes with TextDecoderStream; `lastEventId` (sticky, as in a browser) is reported as `id`,
// `retry` is that of the event's own block.
import { parseServerSentEvents } from "parse-sse";
import { fedSession, makeHello } from "./_session.mjs";

export const hello = makeHello({
  package: "parse-sse",
  how: "parseServerSentEvents(Response) over a fed body",
  event_keys: ["type", "data", "id", "retry"],
});

/** parse-sse's event as the protocol's dict. */
function asDict(event) {
  return { type: event.type, data: event.data, id: event.lastEventId, retry: event.retry ?? null };
}

export function open() {
  return fedSession(({ response, push }) => {
    const reader = parseServerSentEvents(response).getReader();
    const running = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        push(asDict(value));
      }
    })();
    return { running, stop: () => reader.cancel().catch(() => {}) };
  });
}
