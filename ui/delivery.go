package ui

import "parley/account"

// deliveredMark follows the body of a message the peer's client confirmed
// (XEP-0184): one cell wide.
const deliveredMark = " ✓"

// markScan bounds how far back a window is searched for the message a
// delivery update names.
const markScan = 500

// applyDelivery marks our message ev.ID in the window of ev.Peer as
// delivered. A window that is not open, or has let the message scroll out
// of its newest markScan lines, is left alone: receipts are not stored.
func (u *UI) applyDelivery(a *acctState, ev account.DeliveryEvent) {
	if !ev.Delivered || ev.ID == "" {
		return
	}
	if e := u.ownEntry(a, ev); e != nil && !e.delivered {
		e.delivered = true
		e.addMark(deliveredMark) // before a reactions line (refs.go)
	}
}

// ownEntry returns the entry of our message ev.ID in the window of ev.Peer,
// or nil when that window is not open or has let the message scroll out of
// its newest markScan lines.
func (u *UI) ownEntry(a *acctState, ev account.DeliveryEvent) *entry {
	w := u.findWin(a, ev.Peer)
	if w == nil {
		return nil
	}
	for i, n := w.buf.len()-1, 0; i >= 0 && n < markScan; i, n = i-1, n+1 {
		if e := w.buf.at(i); e.msgID == ev.ID {
			return e
		}
	}
	return nil
}
