// The conformance kit's --cmd protocol (../PROTOCOL.md), shared by the Go adapters.
//
// Each adapter binary is this file plus one parser file (donovanhide.go or
// gincontribsse.go), which defines newParser(); build.sh builds one binary per
// parser so that a library missing on the machine costs only its own adapter.
// The process reads one JSON request per line on stdin and writes one JSON
// answer per line on stdout, in order, until stdin closes.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
)

// packageVersion is the Debian package's version, set by build.sh
// (-ldflags "-X main.packageVersion=..."), "unknown" otherwise.
var packageVersion = "unknown"

// event is one dispatched event as the protocol spells it.  Strings that
// hold bytes which are not valid UTF-8 are written the way Go's encoding/json
// writes every Go string: each invalid byte becomes U+FFFD.
type event struct {
	Type  string `json:"type"`
	Data  string `json:"data"`
	ID    string `json:"id"`
	Retry *int64 `json:"retry"`
}

// capabilities is what the hello answer announces.
type capabilities struct {
	Name           string   `json:"name"`
	Description    string   `json:"description"`
	Incremental    bool     `json:"incremental"`
	EventKeys      []string `json:"event_keys"`
	StateKeys      []string `json:"state_keys"`
	SupportsLimits bool     `json:"supports_limits"`
}

// parser is what each parser file implements around its library.
type parser interface {
	capabilities() capabilities
	// start begins a new stream with a fresh parser, abandoning any previous one.
	start()
	// feed hands over the next bytes and returns the events they completed.
	feed(chunk []byte) ([]event, error)
	// close ends the stream and returns the events the end produced.
	close() ([]event, error)
}

type request struct {
	Op     string `json:"op"`
	Base64 string `json:"base64"`
}

type failure struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

type answer struct {
	Events []event  `json:"events"`
	Error  *failure `json:"error,omitempty"`
}

func goVersion() string { return runtime.Version() }

func handle(p parser, line []byte) interface{} {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return answer{Events: []event{}, Error: &failure{"exception", "bad request: " + err.Error()}}
	}
	var events []event
	var err error
	switch req.Op {
	case "hello":
		return p.capabilities()
	case "start":
		p.start()
	case "feed":
		chunk, decodeErr := base64.StdEncoding.DecodeString(req.Base64)
		if decodeErr != nil {
			return answer{Events: []event{}, Error: &failure{"exception", "bad base64: " + decodeErr.Error()}}
		}
		events, err = p.feed(chunk)
	case "close":
		events, err = p.close()
	default:
		return answer{Events: []event{}, Error: &failure{"exception", "unknown op " + req.Op}}
	}
	if events == nil {
		events = []event{}
	}
	if err != nil {
		return answer{Events: events, Error: &failure{"exception", err.Error()}}
	}
	return answer{Events: events}
}

func main() {
	p := newParser()
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(out) // Encode ends each answer with "\n"
	encoder.SetEscapeHTML(false)
	for {
		line, err := in.ReadBytes('\n') // no line-length limit: feeds can be large
		if len(line) > 0 {
			if encodeErr := encoder.Encode(handle(p, line)); encodeErr != nil {
				fmt.Fprintln(os.Stderr, "cannot write the answer:", encodeErr)
				os.Exit(1)
			}
			out.Flush()
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "cannot read stdin:", err)
			os.Exit(1)
		}
	}
}
