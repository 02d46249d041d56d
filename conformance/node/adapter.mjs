// The conformance kit's --cmd protocol (../PROTOCOL.md) for npm SSE parsers and clients.
// Run from the repository root:
//
//   python -m conformance run --cmd "node conformance/node/adapter.mjs"                 # eventsource-parser
//   python -m conformance run --cmd "node conformance/node/adapter.mjs --parser eventsource"
//
// One protocol loop; each package is a small module in parsers/<name>.mjs (adapters.json lists
// them) exporting `hello` (the capabilities) and `open(options)`, a fresh stream:
//   { events,            // an array the module appends the dispatched events to
//     feed(bytes),       // the next chunk, as one read
//     end(),             // the end of the stream
//     stop?(),           // stop the client (no reconnection) once the stream is over
//     state?(),          // the keys in hello.state_keys
//     failure?(),        // an error the client raised in the background, if any
//     unread?() }        // whether a fed chunk still waits to be read (parsers/_stream.mjs)
// Modules whose client reads a stream asynchronously set `hello.asynchronous`; the loop then
// waits until the client has read and processed each chunk (settle()) before answering.
// parsers/_session.mjs builds the shared parts: makeHello() the capabilities, fedSession() this
// stream for a client reading a fed Response body; a module adds only how its package is driven
// and how its events map to the protocol's dict.
import { createInterface } from "node:readline";
import { settle } from "./parsers/_stream.mjs";

// Some modules observe the JSON.parse calls of the library they drive; the protocol's own
// lines are read with the original.
const parseLine = JSON.parse.bind(JSON);

function parserName(argv) {
  const at = argv.indexOf("--parser");
  if (at === -1) return "eventsource-parser";
  const name = argv[at + 1];
  if (!name || !/^[a-z0-9@._-]+$/i.test(name)) throw new Error(`--parser needs a parser name, got ${name}`);
  return name;
}

const name = parserName(process.argv.slice(2));

// Node prints a warning every time it happens; a client that meets the same case in many
// fixtures (a reconnection timer set from `retry: 4294967296` overflows setTimeout) would flood
// stderr, so each distinct warning is printed once.
const warned = new Set();
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  const key = `${warning.name}: ${warning.message}`;
  if (!warned.has(key)) {
    warned.add(key);
    process.stderr.write(`adapter.mjs (${name}): ${key} (printed once)\n`);
  }
});

let module;
let loadError = null;
try {
  module = await import(`./parsers/${name}.mjs`);
} catch (err) {
  loadError = `cannot load parser ${name}: ${err && err.message ? err.message : err}`;
}

let stream = null;

function take() {
  const failure = stream.failure ? stream.failure() : null;
  if (failure) throw failure;
  const events = stream.events.splice(0);
  return stream.state ? { events, state: stream.state() } : { events };
}

async function handle(request) {
  switch (request.op) {
    case "hello":
      if (loadError) return { error: { kind: "exception", message: loadError } };
      return { supports_limits: false, ...module.hello, asynchronous: undefined };
    case "start":
      if (stream && stream.stop) stream.stop();
      stream = module.open(request.options || {});
      if (module.hello.asynchronous) await settle(stream.unread);
      return take();
    case "feed":
      await stream.feed(Buffer.from(request.base64, "base64"));
      if (module.hello.asynchronous) await settle(stream.unread);
      return take();
    case "close":
      await stream.end();
      if (module.hello.asynchronous) await settle(stream.unread);
      try {
        return take();
      } finally {
        // A client that reconnects at the end of a stream is stopped here: the end is the end.
        if (stream.stop) stream.stop();
      }
    default:
      return { events: [], error: { kind: "exception", message: `unknown op ${request.op}` } };
  }
}

function describe(err) {
  return String(err && err.stack ? err.stack : err);
}

// Requests are answered one at a time, in order (the runner waits for each answer anyway).
let queue = Promise.resolve();
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  queue = queue.then(async () => {
    let answer;
    try {
      answer = await handle(parseLine(line));
    } catch (err) {
      answer = { events: [], error: { kind: "exception", message: describe(err) } };
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
  });
});
lines.on("close", () => {
  queue.then(() => {
    if (stream && stream.stop) stream.stop();
    process.exit(0);
  });
});
