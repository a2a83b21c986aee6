package muc

import (
	"context"
	"encoding/xml"
	"errors"
	"slices"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Bookmark namespaces and features.
const (
	NSBookmarks       = "urn:xmpp:bookmarks:1"        // XEP-0402 PEP node and payload
	NSBookmarksCompat = "urn:xmpp:bookmarks:1#compat" // the server keeps XEP-0048 and XEP-0402 in step
	NSPrivate         = "jabber:iq:private"
	NSStorage         = "storage:bookmarks" // XEP-0048 payload
	NSPubSub          = "http://jabber.org/protocol/pubsub"
	NSPublishOptions  = "http://jabber.org/protocol/pubsub#publish-options"
)

// Bookmark is a saved room.
type Bookmark struct {
	Room     jid.JID // bare JID of the room
	Name     string
	Nick     string
	Password string
	Autojoin bool
}

// BookmarkEvent is a bookmark notification pushed by our server when one
// of our clients (this one included) changed the bookmarks: bookmarks
// published (added or replaced) and rooms whose bookmark was removed.
type BookmarkEvent struct {
	Published []Bookmark
	Retracted []jid.JID
}

// BookmarkStore says where the bookmarks of an account live.
type BookmarkStore int

// Bookmark stores.
const (
	// StorePEP: XEP-0402, one PEP item per room, pushed to every client;
	// the server does not keep XEP-0048 in step, so bookmarks that older
	// clients (or a PEP service that refused ours) left in private storage
	// are read beside it.
	StorePEP BookmarkStore = iota
	// StorePrivate: XEP-0048 in private XML storage, one document, no
	// pushes.
	StorePrivate
	// StorePEPCompat: XEP-0402, and the server keeps XEP-0048 in step
	// (urn:xmpp:bookmarks:1#compat): PEP alone is the whole list.
	StorePEPCompat
)

// PEP reports whether the store is XEP-0402 in PEP.
func (s BookmarkStore) PEP() bool { return s == StorePEP || s == StorePEPCompat }

// String names the store.
func (s BookmarkStore) String() string {
	if s == StorePrivate {
		return "private storage (XEP-0048)"
	}
	return "PEP (XEP-0402)"
}

type wireConference struct {
	XMLName  xml.Name `xml:"urn:xmpp:bookmarks:1 conference"`
	Name     string   `xml:"name,attr,omitempty"`
	Autojoin string   `xml:"autojoin,attr,omitempty"`
	Nick     string   `xml:"nick,omitempty"`
	Password string   `xml:"password,omitempty"`
}

type wireBookmarkItem struct {
	ID   string          `xml:"id,attr"`
	Conf *wireConference `xml:"urn:xmpp:bookmarks:1 conference"`
}

func xmlBool(s string) bool { return s == "true" || s == "1" }

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return ""
}

func (it wireBookmarkItem) bookmark() (Bookmark, bool) {
	if it.Conf == nil {
		return Bookmark{}, false
	}
	room, err := jid.Parse(it.ID)
	if err != nil || room.Localpart() == "" {
		return Bookmark{}, false
	}
	return Bookmark{
		Room:     room.Bare(),
		Name:     clip(it.Conf.Name, MaxName),
		Nick:     clip(it.Conf.Nick, MaxNick),
		Password: clip(it.Conf.Password, MaxPassword),
		Autojoin: xmlBool(it.Conf.Autojoin),
	}, true
}

// DetectBookmarkStore asks our account (disco#info on the bare JID) whether
// it does PEP with publish-options, which XEP-0402 needs to keep bookmarks
// private; if not, bookmarks go to XEP-0048 private storage. It waits for
// the reply: run it outside stanza handlers.
func DetectBookmarkStore(ctx context.Context, s *xmpp.Session) (BookmarkStore, error) {
	info, err := discoInfo(ctx, s, s.LocalAddr().Bare())
	if err != nil {
		return StorePrivate, err
	}
	pep, opts, compat := false, false, false
	for _, id := range info.Query.Identities {
		if id.Category == "pubsub" && id.Type == "pep" {
			pep = true
		}
	}
	for _, f := range info.Query.Features {
		switch f.Var {
		case NSPublishOptions:
			opts = true
		case NSBookmarksCompat:
			compat = true
		}
	}
	switch {
	case compat:
		return StorePEPCompat, nil
	case pep && opts:
		return StorePEP, nil
	}
	return StorePrivate, nil
}

type pubsubItems struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
	Items   struct {
		Node string `xml:"node,attr"`
	} `xml:"items"`
}

type pubsubItemsReply struct {
	PubSub struct {
		Items struct {
			Items []wireBookmarkItem `xml:"item"`
		} `xml:"items"`
	} `xml:"http://jabber.org/protocol/pubsub pubsub"`
}

type privateQuery struct {
	XMLName xml.Name       `xml:"jabber:iq:private query"`
	Storage privateStorage `xml:"storage:bookmarks storage"`
}

type privateConference struct {
	JID      string `xml:"jid,attr"`
	Name     string `xml:"name,attr,omitempty"`
	Autojoin string `xml:"autojoin,attr,omitempty"`
	Nick     string `xml:"nick,omitempty"`
	Password string `xml:"password,omitempty"`
}

type privateStorage struct {
	Conferences []privateConference `xml:"conference"`
}

type privateReply struct {
	Query struct {
		Storage privateStorage `xml:"storage:bookmarks storage"`
	} `xml:"jabber:iq:private query"`
}

// FetchBookmarks returns the bookmarks kept in store; with StorePEP, the
// XEP-0048 ones of rooms PEP has no bookmark for follow (best effort). An
// account that never stored any has none (no error). It waits for the
// reply: run it outside stanza handlers.
func FetchBookmarks(ctx context.Context, s *xmpp.Session, store BookmarkStore) ([]Bookmark, error) {
	if store == StorePrivate {
		return fetchPrivate(ctx, s)
	}
	q := pubsubItems{}
	q.Items.Node = NSBookmarks
	var r pubsubItemsReply
	err := request(ctx, s, stanza.GetIQ, jid.JID{}, q, &r)
	if err != nil && !errors.Is(err, stanza.Error{Condition: stanza.ItemNotFound}) { // no node yet: no bookmarks
		return nil, err
	}
	var out []Bookmark
	for _, it := range r.PubSub.Items.Items {
		if len(out) == MaxItems {
			break
		}
		if b, ok := it.bookmark(); ok {
			out = append(out, b)
		}
	}
	if store == StorePEP {
		if priv, err := fetchPrivate(ctx, s); err == nil {
			for _, b := range priv {
				if len(out) < MaxItems && !slices.ContainsFunc(out, func(x Bookmark) bool { return x.Room.Equal(b.Room) }) {
					out = append(out, b)
				}
			}
		}
	}
	return out, nil
}

// fetchPrivate returns the XEP-0048 bookmarks.
func fetchPrivate(ctx context.Context, s *xmpp.Session) ([]Bookmark, error) {
	var r privateReply
	if err := request(ctx, s, stanza.GetIQ, jid.JID{}, privateQuery{}, &r); err != nil {
		return nil, err
	}
	var out []Bookmark
	for _, c := range r.Query.Storage.Conferences {
		if len(out) == MaxItems {
			break
		}
		room, err := jid.Parse(c.JID)
		if err != nil || room.Localpart() == "" {
			continue
		}
		out = append(out, Bookmark{
			Room:     room.Bare(),
			Name:     clip(c.Name, MaxName),
			Nick:     clip(c.Nick, MaxNick),
			Password: clip(c.Password, MaxPassword),
			Autojoin: xmlBool(c.Autojoin),
		})
	}
	return out, nil
}

type pubsubSubscribe struct {
	XMLName   xml.Name `xml:"http://jabber.org/protocol/pubsub pubsub"`
	Subscribe struct {
		Node string `xml:"node,attr"`
		JID  string `xml:"jid,attr"`
	} `xml:"subscribe"`
}

// SubscribeBookmarks subscribes this session's full JID to the XEP-0402
// bookmarks node, so that the server pushes bookmark changes made by our
// other clients (see Message.Bookmarks). A client that announces
// "urn:xmpp:bookmarks:1+notify" in its entity capabilities (XEP-0115) gets
// the pushes without it. It waits for the reply: run it outside stanza
// handlers.
func SubscribeBookmarks(ctx context.Context, s *xmpp.Session) error {
	var q pubsubSubscribe
	q.Subscribe.Node = NSBookmarks
	q.Subscribe.JID = s.LocalAddr().String()
	return request(ctx, s, stanza.SetIQ, jid.JID{}, q, nil)
}
