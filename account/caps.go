package account

import (
	"context"
	"encoding/xml"
	"slices"
	"sync"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/caps"
	"parley/muc"
	"parley/vcard"
)

// Entity capabilities (XEP-0115): what we announce in our presence, the
// disco#info answer for our caps node, and the capabilities of others,
// cached by verification string (package caps, Config.CapsCache).

// CapsNode is the node of our capabilities: a URI naming parley.
const CapsNode = "urn:parley"

// notifyFeatures are the PEP +notify interests we announce (XEP-0163):
// bookmarks made by another client of ours arrive live, and so do the
// OMEMO device lists of contacts (only when OMEMO is enabled), and the
// nicknames of contacts (XEP-0172, nick.go).
func notifyFeatures(omemo bool) []string {
	fs := []string{muc.NSBookmarks + "+notify", vcard.NSNick + "+notify"}
	if omemo {
		fs = append(fs, nsOMEMO+".devicelist+notify")
	}
	return fs
}

// ownInfo is our disco#info answer: one client identity and the features
// (the payload registry's, the account's own, the +notify interests),
// sorted, each once.
func ownInfo(features []string) caps.Info {
	return caps.Info{
		Identities: []caps.Identity{{Category: "client", Type: "console", Name: "parley"}},
		Features:   features,
	}
}

// withCaps appends our <c/> to the features: what our presence carries.
func (a *Account) capsElem() xml.TokenReader { return caps.Elem(CapsNode, a.capsVer) }

// capsState is what the account knows of others' capabilities: the cache
// of verification strings and, per full JID, the last one announced.
type capsState struct {
	cache *caps.Cache // nil until opened (New)

	mu       sync.Mutex
	of       map[string]string // full JID -> ver, at most maxCapsOf
	fetching map[string]bool   // vers being asked for
}

// Bounds on what others' capabilities can make us hold or do.
const (
	maxCapsOf       = 4096 // full JIDs whose ver is remembered
	maxCapsFetching = 8    // disco#info queries in flight
)

// noteCaps records the capabilities a contact's presence announced and,
// for a verification string not cached yet, asks that entity what it
// stands for (in a goroutine: it is called from the stanza handler). An
// unavailable presence forgets them.
func (a *Account) noteCaps(from jid.JID, c caps.Caps, available bool) {
	cs := &a.caps
	if cs.cache == nil {
		return
	}
	key := from.String()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if !available || c.Ver == "" {
		delete(cs.of, key)
		return
	}
	if cs.of == nil {
		cs.of = map[string]string{}
		cs.fetching = map[string]bool{}
	}
	if _, ok := cs.of[key]; !ok && len(cs.of) >= maxCapsOf {
		return
	}
	cs.of[key] = c.Ver
	if _, ok := cs.cache.Get(c.Ver); ok || cs.fetching[c.Ver] || len(cs.fetching) >= maxCapsFetching {
		return
	}
	sess, err := a.online()
	if err != nil {
		return
	}
	cs.fetching[c.Ver] = true
	go a.fetchCaps(sess, from, c)
}

// fetchCaps asks from for the disco#info of its caps node and caches the
// answer if it hashes to the announced string.
func (a *Account) fetchCaps(sess *xmpp.Session, from jid.JID, c caps.Caps) {
	defer func() {
		a.caps.mu.Lock()
		delete(a.caps.fetching, c.Ver)
		a.caps.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), iqTimeout)
	defer cancel()
	info, err := discoInfoOf(ctx, sess, from, c.Node+"#"+c.Ver)
	if err != nil {
		return // the entity did not answer, or answered nonsense: not cached
	}
	_ = a.caps.cache.Put(c.Ver, info) // refused when it does not hash to c.Ver
}

// discoInfoOf asks to for its disco#info (on node, if not empty).
func discoInfoOf(ctx context.Context, sess *xmpp.Session, to jid.JID, node string) (caps.Info, error) {
	var attrs []xml.Attr
	if node != "" {
		attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "node"}, Value: node})
	}
	q := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: caps.NSInfo, Local: "query"}, Attr: attrs})
	var info caps.Info
	var perr error = caps.ErrMalformed
	err := sendIQ(ctx, sess, iqStanza("get", to, q), func(b *tokenBudget) error {
		for {
			tok, err := b.next()
			if err != nil {
				return nil
			}
			if se, ok := tok.(xml.StartElement); ok && b.depth == 1 {
				info, perr = caps.ParseInfo(se, budgetTokens{b})
				return nil
			}
		}
	})
	if err != nil {
		return caps.Info{}, err
	}
	return info, perr
}

// Features returns the disco#info features that the resource j announced
// through its capabilities, as far as they are known (nil when not).
func (a *Account) Features(j jid.JID) []string {
	cs := &a.caps
	if cs.cache == nil {
		return nil
	}
	cs.mu.Lock()
	ver, ok := cs.of[j.String()]
	cs.mu.Unlock()
	if !ok {
		return nil
	}
	fs, _ := cs.cache.Get(ver)
	return slices.Clone(fs)
}

// budgetTokens reads through a tokenBudget, so that a parser of another
// package counts against (and keeps the depth of) the stanza's budget.
type budgetTokens struct{ b *tokenBudget }

// Token implements xml.TokenReader.
func (r budgetTokens) Token() (xml.Token, error) { return r.b.next() }

// reportBoot emits, once, what went wrong opening the account's files in
// New (the sink may not be ready then).
func (a *Account) reportBoot() {
	a.mu.Lock()
	warn := a.bootWarn
	a.bootWarn = nil
	a.mu.Unlock()
	for _, w := range warn {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: w})
	}
}

// openCaps opens the cache of others' capabilities (Config.CapsCache);
// what it could not read is reported on the console and left out.
func (a *Account) openCaps() {
	c, warn, err := caps.Open(a.cfg.CapsCache)
	a.caps.cache = c
	for _, w := range warn {
		a.bootWarn = append(a.bootWarn, "capabilities cache: "+w)
	}
	if err != nil {
		a.bootWarn = append(a.bootWarn, "capabilities cache not read: "+err.Error())
	}
}
