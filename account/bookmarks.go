package account

import (
	"context"
	"fmt"
	"slices"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/muc"
)

// Bookmarks (XEP-0402 in PEP where the server can keep them private,
// XEP-0048 private storage otherwise). The account keeps the list of the
// current login; every change is reported as a BookmarksEvent with the
// whole list.

// Bookmarks returns the account's room bookmarks as last fetched or
// changed (a copy).
func (a *Account) Bookmarks() []muc.Bookmark {
	a.rooms.mu.Lock()
	defer a.rooms.mu.Unlock()
	return slices.Clone(a.rooms.bookmarks)
}

// bookmarkStore returns the bookmark store of the account, detected once
// per session.
func (a *Account) bookmarkStore(ctx context.Context, sess *xmpp.Session) (muc.BookmarkStore, error) {
	a.rooms.mu.Lock()
	if a.rooms.storeOf == sess {
		st := a.rooms.store
		a.rooms.mu.Unlock()
		return st, nil
	}
	a.rooms.mu.Unlock()
	st, err := muc.DetectBookmarkStore(ctx, sess)
	if err != nil {
		return 0, fmt.Errorf("bookmarks: cannot ask the server where they are kept: %w", err)
	}
	a.rooms.mu.Lock()
	a.rooms.store, a.rooms.storeOf = st, sess
	a.rooms.mu.Unlock()
	return st, nil
}

// loadBookmarks fetches the bookmarks at login, reports them, and
// subscribes to pushes (PEP store). Failures are reported as InfoEvents and
// give no bookmarks.
func (a *Account) loadBookmarks(ctx context.Context, sess *xmpp.Session) []muc.Bookmark {
	ctx, cancel := context.WithTimeout(ctx, iqTimeout)
	defer cancel()
	st, err := a.bookmarkStore(ctx, sess)
	if err != nil {
		a.emitInfoUnlessDone(ctx, err.Error())
		return nil
	}
	list, err := muc.FetchBookmarks(ctx, sess, st)
	if err != nil {
		a.emitInfoUnlessDone(ctx, "bookmarks: cannot fetch them ("+st.String()+"): "+err.Error())
		return nil
	}
	list = dedupBookmarks(list)
	a.rooms.mu.Lock()
	a.rooms.bookmarks = list
	a.rooms.loadedOf = sess
	a.rooms.mu.Unlock()
	a.emit(BookmarksEvent{Base: a.base(), Bookmarks: slices.Clone(list)})
	if st.PEP() && len(list) > 0 {
		a.subscribeBookmarks(ctx, sess)
	}
	return list
}

// subscribeBookmarks subscribes sess to bookmark pushes, once per session.
// The node must exist: an account without bookmarks subscribes after its
// first publish (AddBookmark). Until then, a first bookmark added by another
// client shows at the next login.
func (a *Account) subscribeBookmarks(ctx context.Context, sess *xmpp.Session) {
	a.rooms.mu.Lock()
	done := a.rooms.subscribedOf == sess
	a.rooms.mu.Unlock()
	if done {
		return
	}
	if err := muc.SubscribeBookmarks(ctx, sess); err != nil {
		a.emitInfoUnlessDone(ctx, "bookmarks: changes made by other clients will show after the next login (subscription refused: "+err.Error()+")")
		return
	}
	a.rooms.mu.Lock()
	a.rooms.subscribedOf = sess
	a.rooms.mu.Unlock()
}

func (a *Account) emitInfoUnlessDone(ctx context.Context, text string) {
	if ctx.Err() == nil && !a.isClosing() {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: text})
	}
}

// dedupBookmarks keeps the last bookmark of each room, in first-seen order.
func dedupBookmarks(list []muc.Bookmark) []muc.Bookmark {
	out := make([]muc.Bookmark, 0, len(list))
	for _, b := range list {
		out = putBookmark(out, b)
	}
	return out
}

// putBookmark replaces the bookmark of b.Room in list, or appends b.
func putBookmark(list []muc.Bookmark, b muc.Bookmark) []muc.Bookmark {
	b.Room = b.Room.Bare()
	for i := range list {
		if list[i].Room.Equal(b.Room) {
			list[i] = b
			return list
		}
	}
	return append(list, b)
}

// AddBookmark stores b (replacing any bookmark of the same room) and
// reports the new list. It waits for replies: call it outside the stanza
// handler.
func (a *Account) AddBookmark(ctx context.Context, b muc.Bookmark) error {
	sess, err := a.online()
	if err != nil {
		return err
	}
	if b.Room, err = roomAddr(b.Room); err != nil {
		return err
	}
	ctx, cancel := reqCtx(ctx)
	defer cancel()
	st, err := a.bookmarkStore(ctx, sess)
	if err != nil {
		return err
	}
	used, err := muc.PublishBookmark(ctx, sess, st, b)
	if err != nil {
		return fmt.Errorf("bookmark %s: %w", b.Room, err)
	}
	if used.PEP() {
		a.subscribeBookmarks(ctx, sess)
	}
	a.rooms.mu.Lock()
	a.rooms.bookmarks = putBookmark(a.rooms.bookmarks, b)
	list := slices.Clone(a.rooms.bookmarks)
	a.rooms.mu.Unlock()
	a.emit(BookmarksEvent{Base: a.base(), Bookmarks: list})
	return nil
}

// RemoveBookmark removes the bookmark of room and reports the new list.
func (a *Account) RemoveBookmark(ctx context.Context, room jid.JID) error {
	sess, err := a.online()
	if err != nil {
		return err
	}
	if room, err = roomAddr(room); err != nil {
		return err
	}
	ctx, cancel := reqCtx(ctx)
	defer cancel()
	st, err := a.bookmarkStore(ctx, sess)
	if err != nil {
		return err
	}
	if err := muc.RemoveBookmark(ctx, sess, st, room); err != nil {
		return fmt.Errorf("bookmark %s: %w", room, err)
	}
	a.rooms.mu.Lock()
	a.rooms.bookmarks = slices.DeleteFunc(a.rooms.bookmarks, func(b muc.Bookmark) bool { return b.Room.Equal(room) })
	list := slices.Clone(a.rooms.bookmarks)
	a.rooms.mu.Unlock()
	a.emit(BookmarksEvent{Base: a.base(), Bookmarks: list})
	return nil
}

// applyBookmarkPush applies a bookmark notification from our own account
// (the caller checked the sender) and reports the new list. A bookmark
// published with autojoin for a room we are not in is joined, as another
// client of ours asked. It runs in the stanza handler: the joins run in
// goroutines of their own.
//
// With +notify (caps.go) the server also sends the current bookmarks when
// we come online, maybe before the login's own fetch: those join nothing
// (the login joins the autojoin ones), nor does a bookmark that did not
// change.
func (a *Account) applyBookmarkPush(ev muc.BookmarkEvent) {
	a.mu.Lock()
	sess := a.sess
	a.mu.Unlock()
	a.rooms.mu.Lock()
	loaded := sess != nil && a.rooms.loadedOf == sess
	var known []muc.Bookmark
	for _, b := range ev.Published {
		if i := slices.IndexFunc(a.rooms.bookmarks, func(o muc.Bookmark) bool { return o.Room.Equal(b.Room.Bare()) }); i >= 0 && a.rooms.bookmarks[i].Autojoin == b.Autojoin {
			known = append(known, b)
		}
	}
	for _, b := range ev.Published {
		a.rooms.bookmarks = putBookmark(a.rooms.bookmarks, b)
	}
	for _, room := range ev.Retracted {
		a.rooms.bookmarks = slices.DeleteFunc(a.rooms.bookmarks, func(b muc.Bookmark) bool { return b.Room.Equal(room) })
	}
	list := slices.Clone(a.rooms.bookmarks)
	var join []muc.Bookmark
	for _, b := range ev.Published {
		if b.Autojoin && loaded && !slices.ContainsFunc(known, func(k muc.Bookmark) bool { return k.Room.Equal(b.Room) }) && a.rooms.lookup(b.Room) == nil {
			join = append(join, b)
		}
	}
	a.rooms.mu.Unlock()
	a.emit(BookmarksEvent{Base: a.base(), Bookmarks: list})
	for _, b := range join {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), iqTimeout)
			defer cancel()
			if err := a.Join(ctx, b.Room, b.Nick, b.Password); err != nil {
				a.emitInfoUnlessDone(ctx, "cannot join bookmarked room "+b.Room.String()+": "+err.Error())
			}
		}()
	}
}
