// The Vercel AI SDK's SSE path, @ai-sdk/provider-utils: what every streaming provider
// (@ai-sdk/openai, @ai-sdk/anthropic, ...) does:
//   postJsonToApi({url, body, fetch, successfulResponseHandler: createEventSourceResponseHandler(schema), ...})
// whose handler is parseJsonEventStream: response.body -> TextDecoderStream ->
// eventsource-parser's EventSourceParserStream -> JSON.parse of each event's data (events whose
// data is "[DONE]" are dropped).  The adapter's fetch answers with a Response whose body it
// feeds chunk by chunk, and reads the resulting stream of parse results.
//
// The SDK keeps only each event's data, and hands on the parsed JSON, not the text.  The
// text is the argument of the SDK's JSON.parse call for that event (secureJsonParse calls
// JSON.parse exactly once per event, in stream order), so the adapter records those
// arguments and reports them as `data`; a failed parse also carries the text
// (JSONParseError.text), which is checked against the recorded one.  No schema is given
// (validation is not SSE).  Only `data` is reported: the SDK drops type, id and retry.
import { createEventSourceResponseHandler, postJsonToApi } from "@ai-sdk/provider-utils";
import { fedSession, makeHello } from "./_session.mjs";

export const hello = makeHello({
  package: "@ai-sdk/provider-utils",
  how: "postJsonToApi + createEventSourceResponseHandler (parseJsonEventStream) over a fed Response body",
  event_keys: ["data"],
});

// Recording starts when the response handler is called: before it, postJsonToApi parses
// other JSON of its own; after it, the only JSON.parse calls are the event stream's.
const parsedTexts = [];
let recording = false;
const originalParse = JSON.parse;
JSON.parse = function recordingParse(text, reviver) {
  if (recording) parsedTexts.push(text);
  return originalParse.call(this, text, reviver);
};

function recordingFromHere(handler) {
  return (args) => {
    parsedTexts.length = 0;
    recording = true;
    return handler(args);
  };
}

async function failedResponse({ response }) {
  throw new Error(`unexpected HTTP status ${response.status}`);
}

export function open() {
  recording = false;
  return fedSession(async ({ fetch, signal, push }) => {
    const { value: results } = await postJsonToApi({
      url: "http://127.0.0.1/v1/chat/completions",
      headers: {},
      body: { stream: true },
      failedResponseHandler: failedResponse,
      successfulResponseHandler: recordingFromHere(createEventSourceResponseHandler(undefined)),
      abortSignal: signal,
      fetch,
    });
    const reader = results.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const text = parsedTexts.shift();
      if (!value.success && value.error.text !== text) {
        throw new Error(`recorded data ${JSON.stringify(text)} differs from the parse error's ${JSON.stringify(value.error.text)}`);
      }
      push({ data: text });
    }
  });
}
