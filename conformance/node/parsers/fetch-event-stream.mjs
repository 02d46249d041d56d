// fetch-event-stream: events(response) is an async iterator of {event, data, id, retry}, read
// from a Response whose body the adapter feeds chunk by chunk (what stream(url) does after its
// fetch).  The library decodes with TextDecoderStream and splits lines with @std/streams'
// TextLineStream({allowCR: true}).  Each event carries its own block's `id` (a number when the
// value reads as one: reported as String(id)) and `retry` (+value, or undefined); the type is
// reported as "message" when the block has no `event` field.
import { events as readEvents } from "fetch-event-stream";
import { fedSession, makeHello } from "./_session.mjs";

export const hello = makeHello({
  package: "fetch-event-stream",
  how: "events(Response) over a fed body",
  event_keys: ["type", "data", "id", "retry"],
});

/** fetch-event-stream's event as the protocol's dict. */
function asDict(event) {
  return {
    type: event.event ?? "message",
    data: event.data ?? "",
    id: event.id === undefined ? "" : String(event.id),
    retry: event.retry ?? null,
  };
}

export function open() {
  return fedSession(async ({ response, signal, push }) => {
    for await (const event of readEvents(response, signal)) push(asDict(event));
  });
}
