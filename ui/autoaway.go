package ui

import (
	"fmt"
	"time"

	"parley/account"
)

// Auto-away: after AutoAway without a key every account that is online
// (or free for chat) is set away, after AutoXA extended away; the next key
// gives each the presence it had. The time comes from u.now, so that tests
// drive the clock and call checkAway; the timer only triggers the check.

// awayState is the auto-away state; only the tview goroutine touches it.
type awayState struct {
	last  time.Time // the last key, by u.now
	level int       // 0: not auto-away; 1: away; 2: xa
	saved map[*acctState]savedPresence
	timer *time.Timer
}

// savedPresence is an account's presence before auto-away changed it.
type savedPresence struct {
	show   account.Show
	status string
}

// startAway arms the first auto-away check; Run calls it.
func (u *UI) startAway() {
	u.away.last = u.now()
	u.armAway()
}

// nextAway returns how long from the last key the next auto-away step
// is due, or 0 when none is.
func (u *UI) nextAway() time.Duration {
	switch {
	case u.away.level == 0 && u.opts.AutoAway > 0:
		return u.opts.AutoAway
	case u.away.level < 2 && u.opts.AutoXA > 0:
		return u.opts.AutoXA
	}
	return 0
}

// armAway schedules the next check. No goroutine runs meanwhile: the
// timer posts the check to the UI loop.
func (u *UI) armAway() {
	if u.away.timer != nil {
		u.away.timer.Stop()
		u.away.timer = nil
	}
	due := u.nextAway()
	if due == 0 {
		return
	}
	wait := max(due-u.now().Sub(u.away.last), time.Second)
	u.away.timer = time.AfterFunc(wait, func() {
		u.Post(histFunc{f: func(u *UI) { u.checkAway() }})
	})
}

// checkAway takes the auto-away step that is due (both at once after a
// long spell: one presence is sent, so that none overtakes another) and
// arms the next check.
func (u *UI) checkAway() {
	quiet := u.now().Sub(u.away.last)
	level := u.away.level
	if u.opts.AutoAway > 0 && quiet >= u.opts.AutoAway {
		level = max(level, 1)
	}
	if u.opts.AutoXA > 0 && quiet >= u.opts.AutoXA {
		level = 2
	}
	if level > u.away.level {
		u.awayStep(level, quiet)
	}
	u.armAway()
}

// awayStep sets the accounts away (level 1) or extended away (level 2).
func (u *UI) awayStep(level int, quiet time.Duration) {
	show := account.ShowAway
	if level == 2 {
		show = account.ShowXA
	}
	u.away.level = level
	if u.away.saved == nil {
		u.away.saved = make(map[*acctState]savedPresence)
	}
	for _, a := range u.accts {
		sp, ours := u.away.saved[a]
		if !ours {
			if a.state != account.Online || a.show != account.ShowOnline && a.show != account.ShowChat {
				continue // offline, or away/dnd by the user's choice: left alone
			}
			sp = savedPresence{a.show, a.status}
			u.away.saved[a] = sp
		}
		u.sendPresence(u.console(), a, show, sp.status)
	}
	if len(u.away.saved) > 0 {
		u.info(u.console(), false, fmt.Sprintf("no key for %d minutes: %s (the next key restores the presence)", int(quiet.Minutes()), showWord(show, true)))
	}
}

// awayKey records a key press; the first after auto-away gives every
// account it changed the presence it had.
func (u *UI) awayKey() {
	u.away.last = u.now()
	if u.away.level == 0 {
		return
	}
	for a, sp := range u.away.saved {
		if a.state == account.Online {
			u.sendPresence(u.console(), a, sp.show, sp.status)
		}
	}
	u.away.level, u.away.saved = 0, nil
	u.armAway()
}
