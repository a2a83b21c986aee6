package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// conn is one connection's bytes: what the client wrote, what the server
// answered.
type conn struct {
	in  io.Reader
	out bytes.Buffer
}

func (c *conn) Read(b []byte) (int, error)  { return c.in.Read(b) }
func (c *conn) Write(b []byte) (int, error) { return c.out.Write(b) }

func seeds(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"op":"send","to":"bob@example.org","text":"hi"}` + "\n",
		`{"v":1,"op":"send","account":"me","to":"bob","text":"a\nb"}` + "\n",
		`{"v":1,"op":"status","show":"away","text":"lunch"}` + "\n",
		`{"v":1,"op":"accounts"}` + "\n",
		`{"v":1,"op":"accounts","text":"x"}` + "\n",
		`{"v":1,"op":"send","to":"b","text":"x","extra":{"deep":[1,2,3]}}` + "\n",
		`{"v":1.5,"op":"send"}` + "\n",
		`{"v":1,"op":"send","to":"b","text":"\u0000\u001b[2J"}` + "\n",
		"\n", "{}\n", "null\n", "[]\n", `"x"` + "\n", "{\"v\":1}\n{\"v\":1}\n",
	} {
		f.Add([]byte(s))
	}
}

// FuzzServeConn: any bytes on a connection give exactly one reply line of
// JSON, OK only when the handler ran for a request that checks.
func FuzzServeConn(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		rec := &recorder{}
		c := &conn{in: bytes.NewReader(b)}
		serveConn(context.Background(), c, rec)
		out := c.out.Bytes()
		if bytes.Count(out, []byte("\n")) != 1 || out[len(out)-1] != '\n' {
			t.Fatalf("reply %q: want one line", out)
		}
		var rep Reply
		if err := json.Unmarshal(out, &rep); err != nil {
			t.Fatalf("reply %q: %v", out, err)
		}
		calls := rec.list()
		if rep.OK != (len(calls) == 1) || len(calls) > 1 {
			t.Fatalf("reply %+v after calls %q", rep, calls)
		}
		if rep.OK {
			line, _, _ := bytes.Cut(b, []byte("\n"))
			req, err := ParseRequest(line)
			if err != nil {
				t.Fatalf("OK for a request that does not parse: %v", err)
			}
			if len(req.Text) > MaxText || len(req.To) > MaxJID || len(req.Account) > MaxJID {
				t.Fatalf("unbounded request served: %d %d %d", len(req.Text), len(req.To), len(req.Account))
			}
		}
	})
}

// FuzzParseRequest: a request that parses encodes back to one that parses
// to the same (nothing the parser lets through is lost or added).
func FuzzParseRequest(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		line, _, _ := bytes.Cut(b, []byte("\n"))
		req, err := ParseRequest(line)
		if err != nil {
			if req != (Request{}) {
				t.Fatalf("error %v with a request %+v", err, req)
			}
			return
		}
		again, err := ParseRequest(bytes.TrimSuffix(encodeLine(req), []byte("\n")))
		if err != nil || again != req {
			t.Fatalf("round trip: %+v %v, want %+v", again, err, req)
		}
		if strings.ContainsAny(req.Op, "\n") {
			t.Fatalf("op %q", req.Op)
		}
	})
}
