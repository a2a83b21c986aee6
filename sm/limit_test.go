package sm

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"mellium.im/xmpp/stream"
)

// readAll feeds in to a wrapped connection and reads it byte by byte, as
// encoding/xml does, until the first error. It returns the connection, the
// bytes read and the error (io.EOF when everything was read).
func readAll(t *testing.T, st *State, in string, counting bool) (*conn, int, error) {
	t.Helper()
	server, client := net.Pipe()
	t.Cleanup(func() { server.Close(); client.Close() })
	c := st.Wrap(client).(*conn)
	c.inOn = counting
	go func() {
		// Chunks, so that the pipe never holds the whole input.
		for s := in; len(s) > 0; {
			k := min(len(s), 64<<10)
			if _, err := io.WriteString(server, s[:k]); err != nil {
				return
			}
			s = s[k:]
		}
		server.Close()
	}()
	n := 0
	for {
		if _, err := c.ReadByte(); err != nil {
			return c, n, err
		}
		n++
	}
}

func TestLimits(t *testing.T) {
	msg := func(body string) string { return "<message to='a@b'><body>" + body + "</body></message>" }
	nested := func(n int) string {
		return "<message>" + strings.Repeat("<a>", n-1) + strings.Repeat("</a>", n-1) + "</message>"
	}
	items := func(n int) string { return strings.Repeat("<item jid='someone@example.org' subscription='both'/>", n) }
	big := MaxStanzaSize + 1
	tests := []struct {
		name    string
		allow   string // id allowed 4 MiB
		in      string
		refused *LimitError // nil: read to the end
		counted uint32      // stanzas counted (inbound h)
	}{
		{"small message", "", msg("hi"), nil, 1},
		{"message at the limit", "", msg(strings.Repeat("x", MaxStanzaSize-len(msg("")))), nil, 1},
		{"message one byte over", "", msg(strings.Repeat("x", MaxStanzaSize-len(msg(""))+1)), &LimitError{Element: "message", Limit: MaxStanzaSize}, 1},
		{"huge attribute", "", "<message id='" + strings.Repeat("x", big) + "'/>", &LimitError{Element: "message", Limit: MaxStanzaSize}, 1},
		{"huge nonza", "", "<r xmlns='urn:xmpp:sm:3' x='" + strings.Repeat("x", big) + "'/>", &LimitError{Element: "r", Limit: MaxStanzaSize}, 0},
		{"whitespace between stanzas", "", msg("a") + strings.Repeat(" ", big), &LimitError{Limit: MaxStanzaSize}, 1},
		{"nesting at the limit", "", nested(MaxDepth), nil, 1},
		{"nesting one level over", "", nested(MaxDepth + 1), &LimitError{Element: "message", Limit: MaxDepth, Depth: true}, 1},
		{"a million levels", "", nested(1e6), &LimitError{Element: "message", Limit: MaxDepth, Depth: true}, 1},
		{"large result allowed", "r1", "<iq type='result' id='r1'><query xmlns='jabber:iq:roster'>" + items(40000) + "</query></iq>" + msg("after"), nil, 2},
		{"large result past its allowance", "r1", "<iq type='result' id='r1'><query>" + items(90000) + "</query></iq>", &LimitError{Element: "iq", Limit: 4 << 20}, 1},
		{"allowed result with one text too large", "r1", "<iq type='result' id='r1'><query>" + strings.Repeat("x", big) + "</query></iq>", &LimitError{Element: "iq", Limit: MaxStanzaSize}, 1},
		{"another id", "r1", "<iq type='result' id='r2'><query>" + items(40000) + "</query></iq>", &LimitError{Element: "iq", Limit: MaxStanzaSize}, 1},
		{"a set with the allowed id", "r1", "<iq type='set' id='r1'><query>" + items(40000) + "</query></iq>", &LimitError{Element: "iq", Limit: MaxStanzaSize}, 1},
		{"a message with the allowed id", "r1", "<message type='result' id='r1'><body>" + strings.Repeat("x", big) + "</body></message>", &LimitError{Element: "message", Limit: MaxStanzaSize}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := New(Options{})
			if tc.allow != "" {
				defer st.AllowLarge(tc.allow, 4<<20)()
			}
			c, _, err := readAll(t, st, hdr+tc.in, true)
			var le *LimitError
			switch {
			case tc.refused == nil && err != io.EOF:
				t.Fatalf("read failed: %v", err)
			case tc.refused != nil && !errors.As(err, &le):
				t.Fatalf("read error %v, want %v", err, tc.refused)
			case tc.refused != nil && *le != *tc.refused:
				t.Errorf("refused %+v, want %+v", *le, *tc.refused)
			}
			if tc.refused != nil {
				if _, err2 := c.ReadByte(); err2 != err {
					t.Errorf("the next read: %v, want the same error", err2)
				}
				if _, werr := c.Write([]byte("<presence/>")); !errors.As(werr, &le) {
					t.Errorf("write after refusal: %v", werr)
				}
			}
			if st.inH != tc.counted {
				t.Errorf("counted %d stanzas, want %d", st.inH, tc.counted)
			}
		})
	}
}

func TestAllowLargeWithdraw(t *testing.T) {
	st := New(Options{})
	withdraw := st.AllowLarge("r1", 4<<20)
	withdraw()
	_, _, err := readAll(t, st, hdr+"<iq type='result' id='r1'><query>"+strings.Repeat("<item/>", MaxStanzaSize/7+1)+"</query></iq>", false)
	var le *LimitError
	if !errors.As(err, &le) {
		t.Fatalf("withdrawn allowance: %v", err)
	}
}

// TestStreamErrorRead: a stream error ends the connection with its
// condition and clipped text, whether it fits the limit or not, and
// nothing is written after it (mellium would echo it to the server).
func TestStreamErrorRead(t *testing.T) {
	const ns = "urn:ietf:params:xml:ns:xmpp-streams"
	streamErr := func(cond, text string) string {
		return "<stream:error><" + cond + " xmlns='" + ns + "'/><text xmlns='" + ns + "'>" + text + "</text></stream:error>"
	}
	tests := []struct {
		name     string
		in       string
		readFail bool // the read fails (over the limit) rather than the writes
		cond     string
		text     string
	}{
		{"short", streamErr("conflict", "replaced"), false, "conflict", "replaced"},
		{"8 KB of text", streamErr("not-authorized", strings.Repeat("y", 8<<10)), false, "not-authorized", strings.Repeat("y", maxErrorText)},
		{"2 MB of text", streamErr("not-authorized", strings.Repeat("y", 2<<20)), true, "not-authorized", strings.Repeat("y", maxErrorText)},
		{"no condition", "<stream:error><text xmlns='" + ns + "'>bye</text></stream:error>", false, "undefined-condition", "bye"},
		{"text first", "<stream:error><text xmlns='" + ns + "'>first</text><system-shutdown xmlns='" + ns + "'/></stream:error>", false, "system-shutdown", "first"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, rerr := readAll(t, New(Options{}), hdr+tc.in, false)
			_, werr := c.Write([]byte("<presence/>"))
			err := werr
			if tc.readFail {
				err = rerr
			} else if rerr != io.EOF {
				t.Fatalf("read: %v", rerr)
			}
			var se stream.Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a stream error", err)
			}
			text := ""
			if len(se.Text) > 0 {
				text = se.Text[0].Value
			}
			if se.Err != tc.cond || text != tc.text {
				t.Errorf("stream error %q %q (%d bytes), want %q %q", se.Err, clipName(text), len(text), tc.cond, clipName(tc.text))
			}
		})
	}
}

// FuzzLimitedRead reads any bytes through a wrapped connection with an
// allowance, and parses any bytes as the head of a stream error: neither
// panics, and what a stream error keeps stays bounded.
func FuzzLimitedRead(f *testing.F) {
	f.Add(`<message><body>hi</body></message>`)
	f.Add(`<iq type='result' id='r1'><query><item jid='a@b'/></query></iq>`)
	f.Add(`<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text>bye</text></stream:error>`)
	f.Add(`<stream:error><text>no condition`)
	f.Add("<stream:error><\u00e9\u00e9/></stream:error>")
	f.Add(`<a><b><c><d></d></c></b></a><iq id='r1' type='error'`)
	f.Fuzz(func(t *testing.T, body string) {
		st := New(Options{})
		defer st.AllowLarge("r1", 2*MaxStanzaSize)()
		_, _, err := readAll(t, st, hdr+body, true)
		var le *LimitError
		if errors.As(err, &le) && le.Limit <= 0 {
			t.Fatalf("limit error %+v", le)
		}
		se := streamError([]byte(body))
		if se.Err == "" || len(se.Err) > maxName {
			t.Fatalf("condition %q", se.Err)
		}
		for _, x := range se.Text {
			if len(x.Value) > maxErrorText {
				t.Fatalf("text of %d bytes", len(x.Value))
			}
		}
	})
}
