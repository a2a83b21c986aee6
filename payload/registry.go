package payload

import (
	"encoding/xml"
	"errors"
	"fmt"
	"sort"
	"time"

	"mellium.im/xmpp/jid"

	"parley/internal/jidcache"
	"parley/msg"
)

// Bounds on what one stanza may make parley hold.
const (
	// MaxTokens is the token budget of one stanza (its nested payloads
	// included); past it the rest is drained unread and the message marked
	// Truncated.
	MaxTokens = 1 << 16
	// MaxBody is the largest body kept, in bytes; a longer one is cut.
	MaxBody = 64 << 10
	// MaxSubject bounds a subject, an error text, an OOB description.
	MaxSubject = 4 << 10
	// MaxID is the longest id kept (message ids, stanza-ids, referenced
	// ids, occupant-ids, namespaces). A longer one is dropped, not cut.
	MaxID = 1 << 10
	// MaxReason bounds a moderation reason.
	MaxReason = 1 << 10
	// MaxURL bounds an OOB URL; a longer one is dropped.
	MaxURL = 4 << 10
	// MaxStanzaIDs is how many stanza-ids a message keeps.
	MaxStanzaIDs = 8
	// MaxFallbacks is how many fallback indications a message keeps, and
	// MaxRanges how many ranges each keeps.
	MaxFallbacks = 8
	MaxRanges    = 8
	// MaxReactions is how many reactions of one sender are kept, at most
	// MaxReactionBytes bytes each (longer ones are left out).
	MaxReactions     = 32
	MaxReactionBytes = 64
	// MaxOOB is how many OOB URLs a message keeps.
	MaxOOB = 4
)

// Key names the child element of <message/> that a Parser reads. Elements
// in the stanza's own namespace (body, subject, error) are keyed by
// jabber:client.
type Key struct {
	Space, Local string
}

// Parser reads one child element of a <message/> into m. start has been
// read; the parser reads what it needs of the element through d (Text,
// Each) and leaves the rest, which is skipped. It returns an error to refuse
// the payload: the message is then restored to what it was before the
// parser ran, and only that payload is lost.
type Parser func(d *Decoder, start xml.StartElement, m *msg.Message) error

// Context is what parsing needs to know about the receiver.
type Context struct {
	// Account is the bare JID of the receiving account: a stanza without
	// from comes from it, one without to goes to it.
	Account jid.JID
	// Now is the receive time, stored as Message.Received.
	Now time.Time
	// JIDs, when set, caches the parsed from and to addresses (a flood
	// comes from a few addresses); nil parses every time.
	JIDs *jidcache.Cache
}

// Registry maps element keys to parsers and collects the disco features
// they implement. Build it once (Default) and share it: it is read-only
// after the last Register, and safe for concurrent Parse calls then.
type Registry struct {
	parsers  map[Key]Parser
	features map[string]bool
}

// New returns an empty registry (Default has all of parley's parsers).
func New() *Registry {
	return &Registry{parsers: make(map[Key]Parser), features: make(map[string]bool)}
}

// Register makes p the parser of the element (space, local), replacing any
// earlier one, and records features as implemented (XEP-0030 feature vars;
// several parsers may name the same feature).
func (r *Registry) Register(space, local string, p Parser, features ...string) {
	r.parsers[Key{space, local}] = p
	for _, f := range features {
		r.features[f] = true
	}
}

// Features returns the disco#info features of the registered parsers,
// sorted: what parley announces (and later hashes into its caps).
func (r *Registry) Features() []string {
	out := make([]string, 0, len(r.features))
	for f := range r.features {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Keys returns the registered element keys, sorted (for docs and tests).
func (r *Registry) Keys() []Key {
	out := make([]Key, 0, len(r.parsers))
	for k := range r.parsers {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Space != out[j].Space {
			return out[i].Space < out[j].Space
		}
		return out[i].Local < out[j].Local
	})
	return out
}

// Parse reads one <message/>: start is its start element (already read), tr
// yields what follows, up to and including its end element; a reader that
// ends before the end element (mellium's inner reader) or goes on past it
// both work: Parse stops at the end element. It is a pure function of its
// input, never panics, and reads the whole stanza unless tr fails.
//
// The message has Dir In and Source Live; the caller that unwrapped a
// carbon or an archive result corrects them. An error means an XML error of
// the stream or a from/to that is no JID; a malformed payload is no error.
func (r *Registry) Parse(start xml.StartElement, tr xml.TokenReader, ctx Context) (msg.Message, error) {
	d := newDecoder(tr, MaxTokens)
	d.ctx = ctx
	m, err := r.parse(d, start, ctx)
	if errors.Is(err, ErrBudget) {
		m.Truncated = true
		err = d.drain()
	}
	return m, err
}

// ParseNested reads a <message/> nested in the element being read through d
// (a carbon's or an archive result's <forwarded/>), sharing d's budget.
// start is the inner message's start element, just read (typically in an
// Each callback); on return the inner message has been consumed.
func (r *Registry) ParseNested(d *Decoder, start xml.StartElement, ctx Context) (msg.Message, error) {
	m, err := r.parse(d, start, ctx)
	if errors.Is(err, ErrBudget) {
		m.Truncated = true
	}
	return m, err
}

func (r *Registry) parse(d *Decoder, start xml.StartElement, ctx Context) (msg.Message, error) {
	m := msg.Message{Kind: kind(Attr(start, "type")), Received: ctx.Now.UTC()}
	m.ID, _ = id(start, "id")
	from, ferr := addr(Attr(start, "from"), ctx.Account, ctx.JIDs)
	to, terr := addr(Attr(start, "to"), ctx.Account, ctx.JIDs)
	m.From, m.To = from, to
	level := d.depth
	err := d.Each(func(se xml.StartElement) error {
		key := Key{se.Name.Space, se.Name.Local}
		if key.Space == "" || key.Space == start.Name.Space {
			key.Space = nsClient
		}
		p := r.parsers[key]
		if p == nil {
			return nil
		}
		saved := m
		if perr := p(d, se, &m); perr != nil {
			if ferr := d.failed(); ferr != nil {
				return ferr
			}
			m = saved // drop this payload only
		}
		return nil
	})
	if err == nil {
		err = d.skip(level)
	}
	if err != nil {
		return m, err
	}
	if ferr != nil || terr != nil {
		return msg.Message{}, fmt.Errorf("payload: bad address: %w", errors.Join(ferr, terr))
	}
	if m.MUCUser && (m.Kind == msg.Chat || m.Kind == msg.Normal) && m.From.Resourcepart() != "" {
		m.Kind = msg.Private
	}
	return m, nil
}

// kind maps a type attribute to a Kind.
func kind(t string) msg.Kind {
	switch t {
	case "chat":
		return msg.Chat
	case "groupchat":
		return msg.Groupchat
	case "headline":
		return msg.Headline
	case "error":
		return msg.Error
	}
	return msg.Normal
}

// addr parses a from or to attribute; empty means the account.
func addr(s string, account jid.JID, cache *jidcache.Cache) (jid.JID, error) {
	if s == "" {
		return account, nil
	}
	if len(s) > 3*1023+2 {
		return jid.JID{}, errors.New("address too long")
	}
	return cache.Parse(s)
}
