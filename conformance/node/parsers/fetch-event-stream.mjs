// fetch-event-stream: events(response) is an async iterator of {event, data, id, retry}, read
// from a Response whose body the adapter feeds chunk by chunk (what stream(url) does after its
// fetch).  The library decodes with TextDecoderStream and splits lines with @std/streams'
// TextLineStream({allowCR: true}).  Each event carries its own block's `id` (a number when the
// value reads as one: reported as String(id)) and `retry` (+value, or undefined); the type is
// reported as "message" when the block has no `event` field.
import { events as readEvents } from "fetch-event-stream";
import { eventStreamResponse, feedableBody, installedVersion } from "./_stream.mjs";

const version = installedVersion("fetch-event-stream");

export const hello = {
  name: `fetch-event-stream@${version}`,
  description: `npm fetch-event-stream ${version}: events(Response) over a fed body, node ${process.version}`,
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
  (async () => {
    for await (const event of readEvents(eventStreamResponse(feeder.body), controller.signal)) {
      events.push({
        type: event.event ?? "message",
        data: event.data ?? "",
        id: event.id === undefined ? "" : String(event.id),
        retry: event.retry ?? null,
      });
    }
  })().catch((err) => {
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
