package muc

import (
	"context"
	"encoding/xml"
	"errors"
	"slices"
	"strings"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

type publishItem struct {
	ID   string         `xml:"id,attr"`
	Conf wireConference `xml:"urn:xmpp:bookmarks:1 conference"`
}

type pubsubPublish struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
	Publish struct {
		Node string      `xml:"node,attr"`
		Item publishItem `xml:"item"`
	} `xml:"publish"`
	Options struct {
		X dataForm
	} `xml:"publish-options"`
}

// publishOptions are the node settings XEP-0402 §3.3 asks for: kept, as
// many items as there are rooms, never pushed as "last item", and visible
// to our own account only. With all false, only the two that keep
// bookmarks stored and private, for PEP services that know no others
// (ejabberd 23.01 refuses max_items and send_last_published_item).
func publishOptions(all bool) dataForm {
	fields := []formField{
		{Var: "FORM_TYPE", Type: "hidden", Values: []string{NSPublishOptions}},
		{Var: "pubsub#persist_items", Values: []string{"true"}},
		{Var: "pubsub#access_model", Values: []string{"whitelist"}},
	}
	if all {
		fields = append(fields,
			formField{Var: "pubsub#max_items", Values: []string{"max"}},
			formField{Var: "pubsub#send_last_published_item", Values: []string{"never"}})
	}
	return dataForm{Type: "submit", Fields: fields}
}

type pubsubRetract struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
	Retract struct {
		Node   string `xml:"node,attr"`
		Notify string `xml:"notify,attr"`
		Item   struct {
			ID string `xml:"id,attr"`
		} `xml:"item"`
	} `xml:"retract"`
}

// StoreError is a bookmark request our own server refused: which of its
// services (PEP or private storage) and why; Then is the refusal of the
// store tried after it, if any.
type StoreError struct {
	Store BookmarkStore
	Err   error
	Then  *StoreError
}

// Error says which service refused and why, in plain words.
func (e *StoreError) Error() string {
	var b strings.Builder
	for x := e; x != nil; x = x.Then {
		if x != e {
			b.WriteString("; then ")
		}
		b.WriteString("your server's " + x.Store.String() + " refused it")
		var se stanza.Error
		if errors.As(x.Err, &se) {
			c := se.Condition
			if !knownCondition(c) {
				c = stanza.UndefinedCondition
			}
			b.WriteString(" (" + string(c))
			if t := se.Error(); t != "" && t != string(se.Condition) {
				b.WriteString(": " + clip(t, MaxReason))
			}
			b.WriteString(")")
		} else if x.Err != nil {
			b.WriteString(": " + x.Err.Error())
		}
	}
	return b.String()
}

// Unwrap returns the first refusal.
func (e *StoreError) Unwrap() error { return e.Err }

// refusedBy reports a stanza error: the service answered no, as opposed to
// a lost connection or a timeout.
func refusedBy(err error) bool {
	var se stanza.Error
	return errors.As(err, &se)
}

// PublishBookmark adds b to store, replacing any bookmark of the same
// room, and returns the store that took it. With StorePrivate the whole
// list is fetched and stored back. A PEP service that refuses the
// publish-options of XEP-0402 is asked again with the two that keep
// bookmarks stored and private; if it refuses those too, the bookmark goes
// to XEP-0048 private storage (which FetchBookmarks reads beside PEP). A
// refusal is a *StoreError. It waits for replies: run it outside stanza
// handlers.
func PublishBookmark(ctx context.Context, s *xmpp.Session, store BookmarkStore, b Bookmark) (BookmarkStore, error) {
	if b.Room.Localpart() == "" {
		return store, errors.New("muc: a bookmark needs a room JID")
	}
	b.Room = b.Room.Bare()
	if store == StorePrivate {
		return store, putPrivate(ctx, s, b)
	}
	var q pubsubPublish
	q.Publish.Node = NSBookmarks
	q.Publish.Item = publishItem{ID: b.Room.String(), Conf: wireConference{
		Name: b.Name, Autojoin: boolAttr(b.Autojoin), Nick: b.Nick, Password: b.Password,
	}}
	q.Options.X = publishOptions(true)
	err := request(ctx, s, stanza.SetIQ, jid.JID{}, q, nil)
	if refusedBy(err) {
		q.Options.X = publishOptions(false)
		err = request(ctx, s, stanza.SetIQ, jid.JID{}, q, nil)
	}
	if err == nil || !refusedBy(err) {
		return store, storeError(store, err)
	}
	pepErr := &StoreError{Store: store, Err: err}
	if perr := putPrivate(ctx, s, b); perr != nil {
		pepErr.Then = &StoreError{Store: StorePrivate, Err: unwrapStore(perr)}
		return store, pepErr
	}
	return StorePrivate, nil
}

// storeError wraps a refusal of store; other errors and nil pass.
func storeError(store BookmarkStore, err error) error {
	if refusedBy(err) {
		return &StoreError{Store: store, Err: err}
	}
	return err
}

// unwrapStore returns the cause of a *StoreError, or err.
func unwrapStore(err error) error {
	var se *StoreError
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}

// putPrivate replaces or adds b in the XEP-0048 document.
func putPrivate(ctx context.Context, s *xmpp.Session, b Bookmark) error {
	list, err := fetchPrivate(ctx, s)
	if err != nil && !errors.Is(err, stanza.Error{Condition: stanza.ItemNotFound}) {
		return storeError(StorePrivate, err)
	}
	list = slices.DeleteFunc(list, func(x Bookmark) bool { return x.Room.Equal(b.Room) })
	return storeError(StorePrivate, storePrivate(ctx, s, append(list, b)))
}

// RemoveBookmark removes the bookmark of room from store; with StorePEP
// also from XEP-0048 private storage, where FetchBookmarks found it too. A
// refusal is a *StoreError. It waits for replies: run it outside stanza
// handlers.
func RemoveBookmark(ctx context.Context, s *xmpp.Session, store BookmarkStore, room jid.JID) error {
	room = room.Bare()
	if store.PEP() {
		var q pubsubRetract
		q.Retract.Node = NSBookmarks
		q.Retract.Notify = "true"
		q.Retract.Item.ID = room.String()
		err := request(ctx, s, stanza.SetIQ, jid.JID{}, q, nil)
		if err != nil && !errors.Is(err, stanza.Error{Condition: stanza.ItemNotFound}) {
			return storeError(store, err)
		}
		if store == StorePEPCompat {
			return nil
		}
	}
	list, err := fetchPrivate(ctx, s)
	if err != nil {
		if store.PEP() {
			return nil // no private storage to clean
		}
		return storeError(StorePrivate, err)
	}
	n := len(list)
	list = slices.DeleteFunc(list, func(x Bookmark) bool { return x.Room.Equal(room) })
	if len(list) == n {
		return nil
	}
	return storeError(StorePrivate, storePrivate(ctx, s, list))
}

// storePrivate replaces the XEP-0048 bookmark document with list.
func storePrivate(ctx context.Context, s *xmpp.Session, list []Bookmark) error {
	var q privateQuery
	for _, b := range list {
		q.Storage.Conferences = append(q.Storage.Conferences, privateConference{
			JID: b.Room.String(), Name: b.Name, Autojoin: boolAttr(b.Autojoin), Nick: b.Nick, Password: b.Password,
		})
	}
	return request(ctx, s, stanza.SetIQ, jid.JID{}, q, nil)
}
