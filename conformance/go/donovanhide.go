// The Go adapter for github.com/donovanhide/eventsource's Decoder (Debian:
// golang-github-donovanhide-eventsource-dev), the parser its Stream client uses.
//
// The Decoder pulls from an io.Reader (NewDecoder(r), then Decode() blocks
// until an event is complete), so it runs in its own goroutine reading from
// chunkReader, which hands it the fed bytes as they arrive.  A feed is answered
// once the decoder asks chunkReader for more bytes than it has: by then it has
// consumed every fed byte and returned every event those bytes completed, so
// the adapter is incremental and the kit's timing check applies.
//
// What the Decoder reports, and how it maps onto the protocol:
//   - Event() "" (no or empty event field) is the type "message", as an
//     EventSource consumer reads it;
//   - Id() is the id field of the event's own block; it is not sticky (the
//     Stream client keeps the last non-empty one itself);
//   - Retry() is strconv.ParseInt of the block's last retry field, 0 when
//     there is none or it does not parse, so 0 is reported as null and a
//     "retry: 0" cannot be told apart from none.
//
// The Decoder keeps no last event ID or reconnection time, so no state is
// announced.
package main

import (
	"io"
	"sync"

	"github.com/donovanhide/eventsource"
)

// chunkReader is the io.Reader the Decoder reads: Read hands out the fed
// bytes and, when they are used up, says so on hungry and waits for the next
// chunk (io.EOF once chunks is closed).
type chunkReader struct {
	chunks chan []byte
	hungry chan struct{}
	rest   []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.rest) == 0 {
		r.hungry <- struct{}{}
		chunk, ok := <-r.chunks
		if !ok {
			return 0, io.EOF
		}
		r.rest = chunk
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

type donovanhideParser struct {
	reader *chunkReader
	done   chan struct{} // closed when the decoding goroutine has ended
	mu     sync.Mutex
	events []event
	ended  error // the error that ended Decode, once done is closed
}

func newParser() parser { return &donovanhideParser{} }

func (p *donovanhideParser) capabilities() capabilities {
	return capabilities{
		Name: "github.com/donovanhide/eventsource@" + packageVersion,
		Description: "Go github.com/donovanhide/eventsource (Debian " + packageVersion +
			"): NewDecoder(io.Reader) + Decode() fed chunk by chunk, " + goVersion(),
		Incremental:    true,
		EventKeys:      []string{"type", "data", "id", "retry"},
		StateKeys:      []string{},
		SupportsLimits: false,
	}
}

func (p *donovanhideParser) decodeAll(decoder *eventsource.Decoder, done chan struct{}) {
	defer close(done)
	for {
		decoded, err := decoder.Decode()
		if err != nil {
			p.mu.Lock()
			p.ended = err
			p.mu.Unlock()
			return
		}
		got := event{Type: decoded.Event(), Data: decoded.Data(), ID: decoded.Id()}
		if got.Type == "" {
			got.Type = "message"
		}
		if withRetry, ok := decoded.(interface{ Retry() int64 }); ok && withRetry.Retry() != 0 {
			retry := withRetry.Retry()
			got.Retry = &retry
		}
		p.mu.Lock()
		p.events = append(p.events, got)
		p.mu.Unlock()
	}
}

// settle waits until the decoder wants more input or has stopped.
func (p *donovanhideParser) settle() {
	select {
	case <-p.reader.hungry:
	case <-p.done:
	}
}

func (p *donovanhideParser) take() []event {
	p.mu.Lock()
	defer p.mu.Unlock()
	taken := p.events
	p.events = nil
	return taken
}

func (p *donovanhideParser) stop() {
	if p.reader == nil {
		return
	}
	select {
	case <-p.done:
	default:
		close(p.reader.chunks)
		<-p.done
	}
	p.reader = nil
}

func (p *donovanhideParser) start() {
	p.stop()
	p.reader = &chunkReader{chunks: make(chan []byte), hungry: make(chan struct{})}
	p.done = make(chan struct{})
	p.events = nil
	p.ended = nil
	go p.decodeAll(eventsource.NewDecoder(p.reader), p.done)
	p.settle() // Decode's first Peek asks for bytes
}

func (p *donovanhideParser) feed(chunk []byte) ([]event, error) {
	select {
	case <-p.done:
		// Decode ended before the stream did (it only ends on a read error).
		return p.take(), p.ended
	default:
	}
	p.reader.chunks <- chunk
	p.settle()
	return p.take(), nil
}

func (p *donovanhideParser) close() ([]event, error) {
	// io.EOF ends Decode; an unterminated last event is dropped by the Decoder.
	p.stop()
	return p.take(), nil
}
