package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/omemo"
	"parley/sanitize"
)

// OMEMOAccount is an account with OMEMO end-to-end encryption
// (account.Account). Its methods may wait on the network or the disk: the
// UI calls them off the tview goroutine.
type OMEMOAccount interface {
	// OMEMOStatus says whether messages to peer are encrypted and whether
	// its devices are all trusted.
	OMEMOStatus(peer jid.JID) account.OMEMOStatus
	// SetOMEMO turns OMEMO on or off for the conversation with peer.
	SetOMEMO(ctx context.Context, peer jid.JID, on bool) error
	// OMEMOFingerprint returns our device id and fingerprint.
	OMEMOFingerprint() (uint32, string, error)
	// OMEMODevices returns the devices of j with fingerprint and trust.
	OMEMODevices(ctx context.Context, j jid.JID) ([]omemo.DeviceInfo, error)
	// OMEMOTrust trusts (or, trust false, distrusts) j's device whose
	// fingerprint is fp, and returns its id.
	OMEMOTrust(j jid.JID, fp string, trust bool) (uint32, error)
	// OMEMOClearDeviceList leaves only this device in our device list.
	OMEMOClearDeviceList(ctx context.Context) error
}

// omemoCommand is the /omemo row of the command table.
func omemoCommand() command {
	return command{name: "omemo", usage: "on|off | fingerprint [JID] | trust JID FINGERPRINT | untrust JID FINGERPRINT | devices [JID] | clear-device-list",
		help: "OMEMO end-to-end encryption: on or off for this conversation (the config's omemo sets the default), show our fingerprint or a contact's devices with their trust, trust or refuse a device by its fingerprint (spaces allowed), list devices, or remove our stale devices from our device list",
		min:  1, max: 3, rest: true, run: cmdOMEMO, complete: completeOMEMO}
}

func completeOMEMO(u *UI, n int, args []string) []string {
	switch {
	case n == 0:
		return []string{"on", "off", "fingerprint", "trust", "untrust", "devices", "clear-device-list"}
	case n == 1 && len(args) > 0 && args[0] != "on" && args[0] != "off" && args[0] != "clear-device-list":
		return u.jidCandidates()
	}
	return nil
}

func cmdOMEMO(u *UI, c *call) error {
	w := c.win
	as, err := u.pickAcct(c)
	if err != nil {
		return err
	}
	oa, ok := as.a.(OMEMOAccount)
	if !ok {
		return errors.New("account " + as.jid.String() + " has no OMEMO")
	}
	sub, args := c.args[0], c.args[1:]
	// target is the JID argument, else this conversation's contact.
	target := func() (jid.JID, error) {
		if len(args) > 0 {
			j, err := parseJID(strings.Fields(args[0])[0])
			return j, err
		}
		if w.kind != winChat || w.isPrivate() {
			return jid.JID{}, errors.New("not a conversation with a contact: name the JID")
		}
		return w.peer.Bare(), nil
	}
	switch sub {
	case "on", "off":
		if len(args) > 0 {
			return errUsage
		}
		if (w.kind != winChat && w.kind != winRoom) || w.isPrivate() {
			return errors.New("/omemo " + sub + " works in a conversation with a contact or in a room (not in a private conversation with an occupant)")
		}
		peer, on := w.peer.Bare(), sub == "on"
		// On the account's send lane: a line typed right after /omemo on
		// is sent after it, encrypted, never before it in the clear.
		u.asyncSend(as, w, func(ctx context.Context) (string, error) {
			if err := oa.SetOMEMO(ctx, peer, on); err != nil {
				return "", err
			}
			st := oa.OMEMOStatus(peer)
			switch {
			case !on:
				return "OMEMO off: messages to " + peer.String() + " are sent in the clear", nil
			case st.Room:
				return fmt.Sprintf("OMEMO on: messages to %s are encrypted to %d device(s) of %d member(s), offline members included%s", peer, st.Devices, st.Members, trustNote(st)), nil
			case st.Devices == 0:
				return "OMEMO on, but " + peer.String() + " has no OMEMO device yet: a message would not be sent", nil
			}
			return fmt.Sprintf("OMEMO on: messages to %s are encrypted to %d device(s)%s", peer, st.Devices, trustNote(st)), nil
		})
	case "fingerprint", "devices":
		var j jid.JID
		own := len(args) == 0 && sub == "fingerprint"
		if !own {
			if j, err = target(); err != nil {
				return err
			}
		}
		acctJID := as.jid
		u.async(w, func(ctx context.Context) (string, error) {
			var lines []string
			if own {
				dev, fp, err := oa.OMEMOFingerprint()
				if err != nil {
					return "", err
				}
				lines = append(lines, fmt.Sprintf("this device (%d) of %s: %s", dev, acctJID, fp))
				j = acctJID
			}
			devs, err := oa.OMEMODevices(ctx, j)
			if err != nil {
				return "", err
			}
			lines = append(lines, deviceLines(j, devs, own)...)
			u.postLines(w, lines)
			return "", nil
		})
	case "trust", "untrust":
		if len(args) < 1 {
			return errUsage
		}
		f := strings.Fields(args[0])
		if len(f) < 2 {
			return errUsage
		}
		j, err := parseJID(f[0])
		if err != nil {
			return err
		}
		fp, trust := strings.Join(f[1:], ""), sub == "trust"
		u.asyncSend(as, w, func(context.Context) (string, error) { // before the lines typed after it
			dev, err := oa.OMEMOTrust(j, fp, trust)
			if err != nil {
				return "", err
			}
			if trust {
				return fmt.Sprintf("trusted %s's device %d (verified): messages are encrypted to it", j, dev), nil
			}
			return fmt.Sprintf("distrusted %s's device %d: messages are never encrypted to it, and its messages are marked untrusted", j, dev), nil
		})
	case "clear-device-list":
		if len(args) > 0 {
			return errUsage
		}
		u.async(w, func(ctx context.Context) (string, error) {
			if err := oa.OMEMOClearDeviceList(ctx); err != nil {
				return "", err
			}
			return "our OMEMO device list now holds this device only; our other clients add themselves back when they connect", nil
		})
	default:
		return errUsage
	}
	return nil
}

// trustNote says what of a contact's devices waits for the user.
func trustNote(st account.OMEMOStatus) string {
	switch {
	case st.Undecided > 0:
		return fmt.Sprintf(", %d new device(s) left out until you decide (/omemo fingerprint)", st.Undecided)
	case !st.Trusted:
		return ", not all of them trusted"
	}
	return ""
}

// deviceLines lists devices as /omemo fingerprint and /omemo devices show
// them: id, fingerprint (as Conversations shows it), trust, whether it is
// in the list now and whether a session exists.
func deviceLines(j jid.JID, devs []omemo.DeviceInfo, own bool) []string {
	if len(devs) == 0 {
		if own {
			return []string{"no other device of " + sanitize.Text(j.String()) + " is known"}
		}
		return []string{sanitize.Text(j.String()) + " has no OMEMO device"}
	}
	lines := []string{fmt.Sprintf("OMEMO devices of %s:", sanitize.Text(j.String()))}
	for _, d := range devs {
		fp := d.Fingerprint
		if fp == "" {
			fp = "(key not known yet)"
		}
		state := "active"
		if !d.Active {
			state = "gone"
		}
		if d.Session {
			state += ", session"
		}
		lines = append(lines, fmt.Sprintf("  %d  %s  %s, %s", d.Device, fp, d.Trust, state))
	}
	return lines
}

// postLines shows lines in w from a goroutine.
func (u *UI) postLines(w *window, lines []string) {
	for _, l := range lines {
		u.Post(uiNote{win: w, text: l})
	}
}

// refreshOMEMO asks, off the tview goroutine, for the OMEMO state of w's
// conversation, for its title.
func (u *UI) refreshOMEMO(w *window) {
	if (w.kind != winChat && w.kind != winRoom) || w.isPrivate() || w.acct == nil {
		return
	}
	oa, ok := w.acct.a.(OMEMOAccount)
	if !ok {
		return
	}
	peer := w.peer.Bare()
	go func() {
		st := oa.OMEMOStatus(peer)
		u.Post(histFunc{f: func(u *UI) {
			if st.Available {
				w.omemo = &st
			} else {
				w.omemo = nil
			}
		}})
	}()
}

// applyOMEMO refreshes the windows an OMEMOEvent concerns: the peer's,
// or every window of the account for a change of our own devices.
func (u *UI) applyOMEMO(a *acctState, ev account.OMEMOEvent) {
	all := ev.Peer.Equal(a.jid)
	for _, w := range u.wins {
		if w.acct == a && (all || w.peer.Equal(ev.Peer.Bare())) {
			u.refreshOMEMO(w)
		}
	}
}

// omemoTitle is the OMEMO part of a conversation's title.
func omemoTitle(w *window) string {
	st := w.omemo
	switch {
	case st == nil:
		return ""
	case st.Room && !st.On && st.Refusal != "":
		return "" // a room that cannot have OMEMO says nothing of it
	case !st.On:
		return " [OMEMO off]"
	case st.Devices == 0:
		return " [OMEMO on: no device]"
	case st.Undecided > 0:
		return fmt.Sprintf(" [OMEMO on: %d undecided]", st.Undecided)
	case !st.Trusted:
		return " [OMEMO on: untrusted]"
	}
	return " [OMEMO on: trusted]"
}

// liveEnc is the history's name for how a live message was encrypted.
func liveEnc(m account.Message) string {
	switch {
	case m.Undecryptable:
		return history.EncFailed
	case m.Encrypted && m.Untrusted:
		return history.EncUntrusted
	case m.Encrypted:
		return history.EncOMEMO
	}
	return ""
}

// markEnc puts mark between the time and the speaker of e.
func markEnc(e *entry, mark string) {
	at := e.nickStart
	if e.kind == lineAction || e.kind == lineOwnAct {
		at -= len("* ") // before the action's star
	}
	ins := mark + " "
	e.text = e.text[:at] + ins + e.text[at:]
	if e.nickStart >= at {
		e.nickStart += len(ins)
		e.nickEnd += len(ins)
	}
	if e.bodyStart >= at {
		e.bodyStart += len(ins)
	}
}
