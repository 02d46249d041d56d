// The conformance kit's --cmd protocol (../PROTOCOL.md) for the npm package
// eventsource-parser.  Run from the repository root:
//
//   python -m conformance run --cmd "node conformance/node/adapter.mjs"
//
// eventsource-parser takes text, so bytes are decoded here the way a browser
// or a fetch()-based client does: one streaming TextDecoder("utf-8") per
// stream (U+FFFD for invalid input, a leading BOM removed).
import { createInterface } from "node:readline";
import { createParser } from "eventsource-parser";
import { createRequire } from "node:module";

const version = createRequire(import.meta.url)("eventsource-parser/package.json").version;

let parser = null;
let decoder = null;
let out = [];
let reconnection = null;

function start() {
  out = [];
  reconnection = null;
  decoder = new TextDecoder("utf-8");
  parser = createParser({
    onEvent(event) {
      // event.id is the id field of this event's own block (not sticky).
      out.push({ type: event.event ?? "message", data: event.data, id: event.id ?? "" });
    },
    onRetry(ms) {
      reconnection = ms;
    },
  });
}

function take() {
  const events = out;
  out = [];
  return { events, state: { reconnection_time: reconnection } };
}

function handle(request) {
  switch (request.op) {
    case "hello":
      return {
        name: `eventsource-parser@${version}`,
        description: `npm eventsource-parser ${version} (createParser + TextDecoder), node ${process.version}`,
        incremental: true,
        event_keys: ["type", "data", "id"],
        state_keys: ["reconnection_time"],
        supports_limits: false,
      };
    case "start":
      start();
      return { events: [] };
    case "feed":
      parser.feed(decoder.decode(Buffer.from(request.base64, "base64"), { stream: true }));
      return take();
    case "close": {
      const rest = decoder.decode();
      if (rest) parser.feed(rest);
      return take();
    }
    default:
      return { error: { kind: "exception", message: `unknown op ${request.op}` } };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  let answer;
  try {
    answer = handle(JSON.parse(line));
  } catch (err) {
    answer = { events: [], error: { kind: "exception", message: String(err && err.stack ? err.stack : err) } };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
