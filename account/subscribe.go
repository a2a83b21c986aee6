package account

import (
	"context"
	"time"

	"mellium.im/xmpp/jid"
)

// Presence subscription requests (RFC 6121 §3). A request from a contact
// that the roster says may already see our presence (subscription "from"
// or "both") is answered at once with "subscribed" and not reported:
// clients that lost their state ask again and again, and the user decided
// long ago. The account keeps, for that, the set of such contacts, from the
// roster fetched at login and the roster pushes.

// subscribedTimeout bounds the automatic answer to a request.
const subscribedTimeout = 10 * time.Second

// noteRoster updates the roster items (contacts.go) from the whole roster
// when full, else from pushes; presence from anyone else is not reported
// (strangers.go).
func (a *Account) noteRoster(items []RosterItem, full bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if full {
		a.contacts.replace(items)
		return
	}
	for _, it := range items {
		a.contacts.apply(it)
	}
}

// isAllowed reports whether contact j may already see our presence.
func (a *Account) isAllowed(j jid.JID) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.contacts.allowed(j.Bare().String())
}

// subscription handles an incoming subscription stanza: a request from a
// contact already allowed is answered (off the stanza handler, which must
// not wait) and not reported; everything else is reported.
func (a *Account) subscription(ev SubscriptionEvent) {
	if a.IsBlocked(ev.From) {
		return // neither answered nor reported (blocking.go)
	}
	if ev.Type == "subscribe" && a.isAllowed(ev.From) {
		from := ev.From.Bare()
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), subscribedTimeout)
			defer cancel()
			_ = a.Subscription(ctx, from, "subscribed")
		}()
		return
	}
	a.emit(ev)
}
