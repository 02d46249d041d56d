// The Go adapter for github.com/gin-contrib/sse's Decode (Debian:
// golang-github-gin-contrib-sse-dev), the decoder that ships with Gin.
//
// Decode(io.Reader) ([]Event, error) reads its input to the end
// (ioutil.ReadAll) before it parses anything, so this adapter keeps the fed
// bytes and decodes them when the stream closes: it is not incremental (every
// event comes in the answer to close), and says so.
//
// What Decode reports, and how it maps onto the protocol:
//   - Event.Event is "message" when no event field was given (Decode sets it);
//   - Event.Data is the data as a string;
//   - Event.Id is the id field of the event's own block (not sticky);
//   - Event.Retry (uint, 0 when unset) is reported as null when 0.
//
// Decode keeps no last event ID or reconnection time, so no state is
// announced.
package main

import (
	"bytes"
	"fmt"

	"github.com/gin-contrib/sse"
)

type ginContribParser struct {
	buffered bytes.Buffer
}

func newParser() parser { return &ginContribParser{} }

func (p *ginContribParser) capabilities() capabilities {
	return capabilities{
		Name: "github.com/gin-contrib/sse@" + packageVersion,
		Description: "Go github.com/gin-contrib/sse (Debian " + packageVersion +
			"): Decode(io.Reader) over the whole stream at close, " + goVersion(),
		Incremental:    false,
		EventKeys:      []string{"type", "data", "id", "retry"},
		StateKeys:      []string{},
		SupportsLimits: false,
	}
}

func (p *ginContribParser) start() { p.buffered.Reset() }

func (p *ginContribParser) feed(chunk []byte) ([]event, error) {
	p.buffered.Write(chunk)
	return nil, nil
}

func (p *ginContribParser) close() ([]event, error) {
	decoded, err := sse.Decode(bytes.NewReader(p.buffered.Bytes()))
	p.buffered.Reset()
	if err != nil {
		return nil, err
	}
	events := make([]event, 0, len(decoded))
	for _, got := range decoded {
		data, ok := got.Data.(string)
		if !ok {
			data = fmt.Sprint(got.Data)
		}
		converted := event{Type: got.Event, Data: data, ID: got.Id}
		if got.Retry != 0 {
			retry := int64(got.Retry)
			converted.Retry = &retry
		}
		events = append(events, converted)
	}
	return events, nil
}
