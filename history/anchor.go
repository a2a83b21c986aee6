package history

import (
	"strings"
	"time"
)

// NewestArchiveIDAny returns the newest stored stanza-id whose by is by
// across every conversation of account, with the time of its record; ""
// when there is none. It is the anchor for catching up with the account's
// own archive (by is the account), which holds all its 1:1 conversations in
// one sequence: the catch-up queries after this id. Newest means the latest
// record time; each conversation is read from its end, as NewestArchiveID
// does, so the cost grows with the number of conversations, not their size.
func (s *Store) NewestArchiveIDAny(account, by string) (id string, t time.Time, err error) {
	convs, err := s.Conversations()
	if err != nil {
		return "", time.Time{}, err
	}
	for _, c := range convs {
		if c.Account != account {
			continue
		}
		cid, ct, err := s.archiveID(account, c.Conv, by, true)
		if err != nil {
			return "", time.Time{}, err
		}
		if cid != "" && (id == "" || ct.After(t)) {
			id, t = cid, ct
		}
	}
	return id, t, nil
}

// OldestArchiveID returns the oldest stored stanza-id of conv whose by is by
// (trusted as for NewestArchiveID), "" if there is none: the anchor for
// paging the archive backwards (XEP-0313 with RSM before this id) when the
// reader reaches the start of the conversation.
func (s *Store) OldestArchiveID(account, conv, by string) (string, error) {
	id, _, err := s.archiveID(account, conv, by, false)
	return id, err
}

// archiveID finds the newest (or oldest) trusted stanza-id with by in conv,
// link records included, and the time of its record. A record dated in the
// future is passed over: its time came from a delay stamp a sender forged
// (files written before such stamps were ignored), and as the newest it
// would stay the anchor for good.
func (s *Store) archiveID(account, conv, by string, newest bool) (id string, t time.Time, err error) {
	future := time.Now().Add(24 * time.Hour)
	fn := func(line []byte, _ Position) bool {
		if !hasStanzaIDKey(line) {
			return true
		}
		r, _, err := parseRecord(line, scope{account, conv})
		if err != nil || r.StanzaID == "" || !strings.EqualFold(r.StanzaBy, by) || r.Time.After(future) ||
			trustedBy(account, conv, []byte(r.Type), []byte(r.StanzaBy)) == 0 ||
			r.Type == "groupchat" && strings.EqualFold(by, account) {
			return true // a room message is never in the account's own archive
		}
		id, t = r.StanzaID, r.Time
		return false
	}
	if newest {
		err = s.walkOlderRaw(account, conv, Cursor{}, fn)
	} else {
		err = s.walkNewerRaw(account, conv, Cursor{}, fn)
	}
	return id, t, err
}

// Again returns c as a cursor that may continue: after AppendOlder added
// older records to a conversation whose oldest end a reader had reached
// (c.Done()), Before(c.Again()) reads them.
func (c Cursor) Again() Cursor {
	c.done = false
	return c
}
