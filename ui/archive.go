package ui

import (
	"context"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/chatlog"
	"parley/history"
)

// OlderFetcher is an account that can fetch older pages of a conversation
// from the server's archive (XEP-0313 paging backwards); *account.Account
// is one.
type OlderFetcher interface {
	FetchOlder(ctx context.Context, peer jid.JID, beforeID string, n int) ([]account.Message, bool, error)
}

// olderStore is a history that can store such pages before everything it
// holds; *history.Store is one.
type olderStore interface {
	OldestArchiveID(account, conv, by string) (string, error)
	AppendOlder(account, conv string, page []history.Record) (int, error)
}

// fetchTimeout bounds one archive page fetch.
const fetchTimeout = 30 * time.Second

// fetchOlder starts fetching the page of the server archive before the
// oldest archived message of w's 1:1 conversation, when PgUp reached the
// start of local history, and reports whether it did (or one is already
// running). The page is fetched and stored off the UI goroutine; then the
// window shows it (olderFetched). It does nothing for rooms, when the
// account or the history cannot do it, when offline, when the archive said
// it has nothing older, and when local history has records but no archive
// id to page from.
func (u *UI) fetchOlder(w *window) bool {
	h := w.hist
	if h == nil || h.archiveDone || w.kind != winChat || w.acct == nil || w.acct.state != account.Online {
		return false
	}
	if h.fetching {
		return true
	}
	f, ok := w.acct.a.(OlderFetcher)
	st, ok2 := u.opts.History.(olderStore)
	if !ok || !ok2 {
		return false
	}
	acct, conv := w.acct.jid.String(), convName(w)
	before, err := st.OldestArchiveID(acct, conv, acct)
	if err != nil {
		u.info(w, true, "history: "+err.Error())
		return false
	}
	if before == "" && w.buf.len() > 0 {
		return false // nothing to anchor the archive on
	}
	h.fetching = true
	peer, n, acctJID := w.peer, u.pageSize(), w.acct.jid
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		defer cancel()
		msgs, complete, err := f.FetchOlder(ctx, peer, before, n)
		stored := 0
		if err == nil {
			recs := make([]history.Record, 0, len(msgs))
			for _, m := range msgs {
				if chatlog.Conv(m) == conv && m.Type != "error" {
					recs = append(recs, chatlog.Record(m))
				}
			}
			stored, err = st.AppendOlder(acct, conv, recs)
		}
		u.Post(histFunc{Base: account.Base{Account: acctJID}, f: func(u *UI) { u.olderFetched(w, h, stored, complete, err) }})
	}()
	return true
}

// olderFetched shows a page fetched by fetchOlder (on the UI goroutine).
func (u *UI) olderFetched(w *window, h *histState, stored int, complete bool, err error) {
	h.fetching = false
	if w.hist != h {
		return // the window was reloaded meanwhile
	}
	if err != nil {
		u.info(w, true, "archive: "+err.Error())
		h.archiveDone = true
		return
	}
	if complete || stored == 0 {
		h.archiveDone = true
	}
	if stored == 0 {
		u.historyExhausted(w)
		return
	}
	h.older, h.oldDone, h.told = h.older.Again(), false, false
	u.loadOlder(w)
}
