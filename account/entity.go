package account

import (
	"context"
	"encoding/xml"
	"errors"
	"runtime"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/caps"
	"parley/entity"
)

// This file answers and asks the entity queries: software version
// (XEP-0092), entity time (XEP-0202), last activity (XEP-0012), ping
// (XEP-0199) and service discovery (XEP-0030). Answers are written by the
// stanza handler at once (nothing in them waits); questions are asked by
// the methods below, from the caller's goroutine, never from the handler.

// softwareName is the name in our version answers.
const softwareName = "parley"

// entityFeatures are the features of the entity queries we answer: last
// activity only when the config reveals idle time.
func entityFeatures(cfg Config) []string {
	fs := []string{entity.NSVersion, entity.NSTime}
	if cfg.RevealIdle {
		fs = append(fs, entity.NSLast)
	}
	return fs
}

// NoteActivity records that the user did something at t (a key press):
// the idle time that last activity answers count from it. It does not
// block and is cheap enough to call per key.
func (a *Account) NoteActivity(t time.Time) { a.lastActive.Store(t.UnixNano()) }

// entityAnswer writes the answer to an entity query get, reporting false
// when payload is none of them.
func (h *handler) entityAnswer(start, payload xml.StartElement, w xmlstream.TokenWriter) (bool, error) {
	a := h.a
	switch payload.Name {
	case xml.Name{Space: entity.NSVersion, Local: "query"}:
		os := ""
		if a.cfg.RevealOS {
			os = runtime.GOOS + "/" + runtime.GOARCH
		}
		ver := a.cfg.Version
		if ver == "" {
			ver = "unknown"
		}
		return true, writeIQ(w, start, "result", entity.VersionAnswer(softwareName, ver, os))
	case xml.Name{Space: entity.NSTime, Local: "time"}:
		return true, writeIQ(w, start, "result", entity.TimeAnswer(h.clock()))
	case xml.Name{Space: entity.NSLast, Local: "query"}:
		if !a.cfg.RevealIdle {
			return true, writeIQ(w, start, "error", stanzaError("cancel", "service-unavailable"))
		}
		idle := h.clock().Sub(time.Unix(0, a.lastActive.Load()))
		return true, writeIQ(w, start, "result", entity.LastAnswer(idle))
	}
	return false, nil
}

// ErrSpoofed is the error of a query whose answer came from another
// address than the one asked.
var ErrSpoofed = errors.New("the answer came from another address than the one asked; ignored")

// query sends an IQ get (or set) of payload to to (empty: our server) and
// hands read the first child of the result. The answer must come from to
// (for our server or our own account, from nobody or our bare JID): an
// answer from elsewhere is refused (ErrSpoofed), whatever it says.
func (a *Account) query(ctx context.Context, typ string, to jid.JID, payload xml.TokenReader, read func(start xml.StartElement, r xml.TokenReader) error) error {
	sess, err := a.online()
	if err != nil {
		return err
	}
	if to.String() == "" {
		to = a.bare.Domain() // without a to, the server would answer for our account
	}
	return checkedIQ(ctx, sess, a.bare, typ, to, payload, read)
}

// errEmptyAnswer is the error of a query whose result has no payload.
var errEmptyAnswer = errors.New("empty answer")

// checkedIQ is query on sess, for the account bare.
func checkedIQ(ctx context.Context, sess *xmpp.Session, bare jid.JID, typ string, to jid.JID, payload xml.TokenReader, read func(start xml.StartElement, r xml.TokenReader) error) error {
	ctx, cancel := context.WithTimeout(ctx, iqTimeout)
	defer cancel()
	resp, err := sess.SendIQ(ctx, iqStanza(typ, to, payload))
	if err != nil {
		return err
	}
	defer resp.Close()
	tok, err := resp.Token()
	if err != nil {
		return err
	}
	start, ok := tok.(xml.StartElement)
	if !ok {
		return errors.New("malformed IQ reply")
	}
	// Asked of our own account (no to), ejabberd answers some (the account
	// removal) from our full JID: only the server can send that.
	if from := attr(start, "from"); !fromAsked(from, to, bare, sess.LocalAddr().Domain()) && (to.String() != "" || from != sess.LocalAddr().String()) {
		return ErrSpoofed
	}
	b := &tokenBudget{r: resp}
	for {
		tok, err := b.next()
		if err != nil {
			if attr(start, "type") == "error" {
				return iqError{text: "no error condition"}
			}
			if read != nil {
				return errEmptyAnswer
			}
			return nil
		}
		se, ok := tok.(xml.StartElement)
		if !ok || b.depth != 1 {
			continue
		}
		switch {
		case attr(start, "type") == "error" && se.Name.Local == "error":
			cond, text, _ := b.errorParts()
			return iqError{cond: cond, text: joinErr(cond, text)}
		case attr(start, "type") == "error":
			if err := b.skip(); err != nil {
				return err
			}
		case read == nil:
			return nil
		default:
			return read(se, budgetTokens{b})
		}
	}
}

// fromAsked reports whether an answer from from answers a question to to:
// the same address, or, asked of our server (no to, or the domain) or of
// our own account, no from at all (mellium also clears a from equal to our
// bare JID).
func fromAsked(from string, to, bare, domain jid.JID) bool {
	if from == "" {
		return to.String() == "" || to.Equal(domain) || to.Equal(bare)
	}
	f, err := jid.Parse(from)
	if err != nil {
		return false
	}
	if to.String() == "" {
		return f.Equal(domain) || f.Equal(bare)
	}
	return f.Equal(to)
}

// Version asks j (empty: our server) for its software version.
func (a *Account) Version(ctx context.Context, j jid.JID) (entity.Version, error) {
	var v entity.Version
	err := a.query(ctx, "get", j, entity.Query(entity.NSVersion, ""), func(se xml.StartElement, r xml.TokenReader) (err error) {
		v, err = entity.ParseVersion(se, r)
		return err
	})
	return v, err
}

// Time asks j (empty: our server) for its clock.
func (a *Account) Time(ctx context.Context, j jid.JID) (entity.Time, error) {
	var t entity.Time
	err := a.query(ctx, "get", j, entity.Query(entity.NSTime, ""), func(se xml.StartElement, r xml.TokenReader) (err error) {
		t, err = entity.ParseTime(se, r)
		return err
	})
	return t, err
}

// LastActivity asks j for its last activity: a full JID's idle time, a
// bare JID's time since it logged out, a server's uptime.
func (a *Account) LastActivity(ctx context.Context, j jid.JID) (entity.Last, error) {
	var l entity.Last
	err := a.query(ctx, "get", j, entity.Query(entity.NSLast, ""), func(se xml.StartElement, r xml.TokenReader) (err error) {
		l, err = entity.ParseLast(se, r)
		return err
	})
	return l, err
}

// Ping pings j (empty: our server) and returns the round-trip time.
func (a *Account) Ping(ctx context.Context, j jid.JID) (time.Duration, error) {
	begin := time.Now()
	err := a.query(ctx, "get", j, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsPing, Local: "ping"}}), nil)
	return time.Since(begin), err
}

// DiscoInfo asks j (empty: our server) for its identities and features, on
// node when not empty.
func (a *Account) DiscoInfo(ctx context.Context, j jid.JID, node string) (caps.Info, error) {
	var info caps.Info
	var attrs []xml.Attr
	if node != "" {
		attrs = []xml.Attr{{Name: xml.Name{Local: "node"}, Value: node}}
	}
	q := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: caps.NSInfo, Local: "query"}, Attr: attrs})
	err := a.query(ctx, "get", j, q, func(se xml.StartElement, r xml.TokenReader) (err error) {
		info, err = caps.ParseInfo(se, r)
		return err
	})
	return info, err
}

// DiscoItems asks j (empty: our server) for its items, on node when not
// empty.
func (a *Account) DiscoItems(ctx context.Context, j jid.JID, node string) (entity.Items, error) {
	var items entity.Items
	err := a.query(ctx, "get", j, entity.Query(entity.NSDiscoItems, node), func(se xml.StartElement, r xml.TokenReader) (err error) {
		items, err = entity.ParseItems(se, r)
		return err
	})
	return items, err
}
