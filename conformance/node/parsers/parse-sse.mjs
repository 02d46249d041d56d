// parse-sse: parseServerSentEvents(response) is a ReadableStream of {type, data, lastEventId,
// retry}, read from a Response whose body the adapter feeds chunk by chunk.  The library
// decodes with TextDecoderStream; `lastEventId` (sticky, as in a browser) is reported as `id`,
// `retry` is that of the event's own block.
import { parseServerSentEvents } from "parse-sse";
import { eventStreamResponse, feedableBody, installedVersion } from "./_stream.mjs";

const version = installedVersion("parse-sse");

export const hello = {
  name: `parse-sse@${version}`,
  description: `npm parse-sse ${version}: parseServerSentEvents(Response) over a fed body, node ${process.version}`,
  incremental: true,
  event_keys: ["type", "data", "id", "retry"],
  state_keys: [],
  asynchronous: true,
};

export function open() {
  const events = [];
  const feeder = feedableBody();
  let failure = null;
  const reader = parseServerSentEvents(eventStreamResponse(feeder.body)).getReader();
  (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      events.push({ type: value.type, data: value.data, id: value.lastEventId, retry: value.retry ?? null });
    }
  })().catch((err) => {
    failure ??= err;
  });
  return {
    events,
    feed: (bytes) => feeder.push(bytes),
    unread: feeder.unread,
    end: () => feeder.end(),
    stop: () => reader.cancel().catch(() => {}),
    failure: () => failure,
  };
}
