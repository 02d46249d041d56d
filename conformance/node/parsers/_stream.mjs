// What the parser modules share: a response body the adapter feeds chunk by chunk, and a
// way to wait until a client has processed what it was fed.
//
// The clients here read a fetch() Response (EventSource clients, fetch wrappers, the Vercel
// AI SDK).  Each one gets a custom `fetch` (or a Response) whose body is a ReadableStream the
// adapter enqueues one Uint8Array into per `feed`, so the client sees exactly the fixture's
// chunk boundaries, as it would see the reads of a real socket.
import { readFileSync } from "node:fs";

/** The version of an installed package, from node_modules (not every package exports package.json). */
export function installedVersion(name) {
  const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf-8")).version;
}

/** A ReadableStream body fed by hand: push(bytes) enqueues one chunk, end() closes it, and
 * unread() tells whether a chunk is still waiting for the client to read it. */
export function feedableBody() {
  let controller;
  let ended = false;
  const body = new ReadableStream({
    start(c) {
      controller = c;
    },
  });
  return {
    body,
    push(bytes) {
      controller.enqueue(new Uint8Array(bytes));
    },
    end() {
      ended = true;
      controller.close();
    },
    // highWaterMark 1: desiredSize drops to 0 while an enqueued chunk has not been read.
    unread: () => !ended && controller.desiredSize <= 0,
  };
}

/** A 200 text/event-stream Response around a body, what an SSE server answers. */
export function eventStreamResponse(body, url = "http://127.0.0.1/sse") {
  const response = new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  // Response.url is read-only and "" for a constructed Response; some clients read it for the origin.
  Object.defineProperty(response, "url", { value: url });
  return response;
}

/** A fetch() that answers the first request with `response`, and fails any later one (a reconnection). */
export function fetchOnce(response) {
  let used = false;
  return async function fetch() {
    if (used) throw new Error("conformance adapter: reconnection attempted after the end of the stream");
    used = true;
    return response;
  };
}

// First the client must take the chunk from the body: a client still setting up (an SDK's
// request path) reads later; the loop waits for that, turn by turn, up to MAX_TURNS.
// Then every step between a chunk entering the body and the client dispatching its events (the
// reader's promise, TextDecoderStream, TransformStreams, async generators) runs as promise
// jobs and process.nextTick callbacks, which Node drains completely before the next
// setImmediate callback.  Waiting a few setImmediate turns therefore lets the client finish
// with the bytes it was given; the extra turns cover a client that hops through a macrotask.
const SETTLE_TURNS = 4;
const MAX_TURNS = 10000;

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Wait until the client has read every chunk fed so far (`unread()` false) and processed it. */
export async function settle(unread = () => false) {
  for (let i = 0; i < MAX_TURNS && unread(); i++) await turn();
  for (let i = 0; i < SETTLE_TURNS; i++) await turn();
}
