package account

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/forms"
	"parley/internal/fakexmpp"
	"parley/register"
	"parley/sm"
)

// hostileRegistration starts a fake server that answers the registration
// get with answer (raw bytes: the whole <iq/>, its id put in for ID) and
// returns what Register made of it.
func hostileRegistration(t *testing.T, answer func(id string) io.Reader) (*Registration, error) {
	t.Helper()
	srv := fakexmpp.Start(t, fakexmpp.Options{PreAuth: func(c *fakexmpp.Conn, e fakexmpp.Element) bool {
		if e.IsIQ("get", register.NS) {
			_, err := c.WriteFrom(answer(e.Attr("id")))
			return err == nil
		}
		return e.Name.Local == "iq"
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := Register(ctx, Config{JID: jid.MustParse(srv.Domain), Host: srv.Host, Port: srv.Port, CAFile: srv.CAFile})
	if r != nil {
		t.Cleanup(func() { r.Close() })
	}
	return r, err
}

func iqResult(id, payload string) io.Reader {
	return strings.NewReader(fmt.Sprintf("<iq type='result' id='%s' from='localhost'>%s</iq>", id, payload))
}

// TestHostileRegistrationForm: a registration answer of 75 000 elements
// (under the stanza limit in bytes, over the token budget), one of 13 000
// (within the budget, over every count: the first of each field kept, the
// form cut to its limit), an answer of 50 MB, text that would draw on the terminal,
// a javascript: URL, and an answer from another address. parley keeps
// what the limits allow, with bounded memory, refuses the rest, and never
// hangs.
func TestHostileRegistrationForm(t *testing.T) {
	t.Run("too many tokens", func(t *testing.T) {
		peak := sampleHeap()
		r, err := hostileRegistration(t, func(id string) io.Reader {
			var b strings.Builder
			b.WriteString("<query xmlns='jabber:iq:register'>")
			for i := range 20000 {
				fmt.Fprintf(&b, "<username/><email/><f%d/>", i)
			}
			b.WriteString("<x xmlns='jabber:x:data' type='form'>")
			for i := range 15000 {
				fmt.Fprintf(&b, "<field var='v%d' type='text-single'/>", i)
			}
			b.WriteString("</x></query>")
			return iqResult(id, b.String())
		})
		used := peak.end()
		if err != nil {
			t.Logf("refused: %v", err) // over the token budget: refused in words
			if !errors.Is(err, register.ErrTooLarge) && !strings.Contains(err.Error(), "too large") {
				t.Fatalf("err %v", err)
			}
		} else {
			q := r.Answer()
			if len(q.Fields) > register.MaxFields || q.Form != nil && len(q.Form.Fields) > forms.MaxFields || !q.Cut {
				t.Fatalf("fields %d, form %v, cut %v", len(q.Fields), q.Form != nil, q.Cut)
			}
		}
		if used > hostileLimit {
			t.Errorf("peak heap %d MB", used>>20)
		}
		t.Logf("peak heap %.1f MB", float64(used)/(1<<20))
	})

	t.Run("over the counts", func(t *testing.T) {
		r, err := hostileRegistration(t, func(id string) io.Reader {
			var b strings.Builder
			b.WriteString("<query xmlns='jabber:iq:register'>")
			for i := range 3000 {
				fmt.Fprintf(&b, "<username>%d</username><email/><f%d/><nick/>", i, i)
			}
			b.WriteString("<x xmlns='jabber:x:data' type='form'>")
			for i := range 1000 {
				fmt.Fprintf(&b, "<field var='v%d' type='text-single'/>", i)
			}
			b.WriteString("</x></query>")
			return iqResult(id, b.String())
		})
		if err != nil {
			t.Fatal(err)
		}
		q := r.Answer()
		if len(q.Fields) != 3 || q.Fields[0].Value != "0" || q.Form == nil || len(q.Form.Fields) > forms.MaxFields || !q.Cut {
			t.Fatalf("fields %+v, form %v, cut %v", q.Fields, q.Form != nil, q.Cut)
		}
	})

	t.Run("50 MB", func(t *testing.T) {
		peak := sampleHeap()
		_, err := hostileRegistration(t, func(id string) io.Reader {
			return io.MultiReader(strings.NewReader(fmt.Sprintf("<iq type='result' id='%s'><query xmlns='jabber:iq:register'><instructions>", id)),
				fakexmpp.Repeat("x", 50<<20), strings.NewReader("</instructions></query></iq>"))
		})
		used := peak.end()
		var le *sm.LimitError
		if err == nil || !errors.As(err, &le) && !strings.Contains(err.Error(), "refused") {
			t.Fatalf("err %v", err)
		}
		if used > hostileLimit {
			t.Errorf("peak heap %d MB", used>>20)
		}
		t.Logf("%v; peak heap %.1f MB", err, float64(used)/(1<<20))
	})

	t.Run("terminal escapes and a bad URL", func(t *testing.T) {
		r, err := hostileRegistration(t, func(id string) io.Reader {
			return iqResult(id, "<query xmlns='jabber:iq:register'><instructions>go \u009b2J&#x202e;here</instructions><x xmlns='jabber:x:oob'><url>javascript:alert(1)</url></x></query>")
		})
		if err != nil {
			t.Fatal(err)
		}
		q := r.Answer()
		if q.URL != "" || !q.BadURL || !q.WebOnly() {
			t.Errorf("query %+v", q)
		}
	})

	t.Run("spoofed answer", func(t *testing.T) {
		_, err := hostileRegistration(t, func(id string) io.Reader {
			return strings.NewReader(fmt.Sprintf("<iq type='result' id='%s' from='evil.example'><query xmlns='jabber:iq:register'><username/></query></iq>", id))
		})
		if !errors.Is(err, ErrSpoofed) {
			t.Fatalf("err %v", err)
		}
	})
}
