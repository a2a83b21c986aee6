package ui

import "time"

// idleAfter is how long without a key press makes the user inactive for
// client state indication (XEP-0352).
const idleAfter = 5 * time.Minute

// ActiveAccount is what client state indication needs from an account.
type ActiveAccount interface {
	// SetActive tells the server whether the user is active; it does not
	// block.
	SetActive(active bool)
}

// idleState tracks key presses for client state indication. It is only
// touched on the tview goroutine; the one timer posts its check to it.
type idleState struct {
	after    time.Duration // 0: idleAfter
	last     time.Time     // last key press
	inactive bool          // the accounts were told the user is inactive
	timer    *time.Timer
}

// startIdle arms the idle check; Run calls it.
func (u *UI) startIdle() {
	u.idle.last = time.Now()
	u.armIdle(u.idleAfter())
}

func (u *UI) idleAfter() time.Duration {
	if u.idle.after > 0 {
		return u.idle.after
	}
	return idleAfter
}

// armIdle schedules one idle check in d. No goroutine runs meanwhile: the
// timer posts the check to the UI loop.
func (u *UI) armIdle(d time.Duration) {
	if u.idle.timer != nil {
		u.idle.timer.Stop()
	}
	u.idle.timer = time.AfterFunc(d, func() {
		u.Post(histFunc{f: func(u *UI) { u.checkIdle() }})
	})
}

// checkIdle makes the accounts inactive once the keyboard has been idle
// long enough, else checks again when it could be.
func (u *UI) checkIdle() {
	if u.idle.inactive {
		return
	}
	quiet := time.Since(u.idle.last)
	if quiet < u.idleAfter() {
		u.armIdle(u.idleAfter() - quiet)
		return
	}
	u.idle.inactive = true
	u.setActive(false)
}

// keyPressed records a key press; the first after idling makes the
// accounts active again and re-arms the check.
func (u *UI) keyPressed() {
	now := time.Now()
	if now.Sub(u.idle.last) >= time.Second { // idle time counts in seconds: one store a second at most
		u.noteActivity(now)
	}
	u.idle.last = now
	if u.idle.inactive {
		u.idle.inactive = false
		u.setActive(true)
		u.armIdle(u.idleAfter())
	}
}

// ActivityAccount is an account that answers last activity queries
// (account.Account): it counts the idle time from the last key press.
type ActivityAccount interface {
	// NoteActivity records a key press at t; it does not block.
	NoteActivity(t time.Time)
}

// noteActivity tells every account that counts idle time.
func (u *UI) noteActivity(t time.Time) {
	for _, a := range u.accts {
		if aa, ok := a.a.(ActivityAccount); ok {
			aa.NoteActivity(t)
		}
	}
}

// setActive tells every account that supports it.
func (u *UI) setActive(active bool) {
	for _, a := range u.accts {
		if ca, ok := a.a.(ActiveAccount); ok {
			ca.SetActive(active)
		}
	}
}
