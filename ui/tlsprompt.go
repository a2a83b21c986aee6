package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/tlstrust"
)

// The certificate prompt: when an account stops on a certificate it does
// not trust (account.CertificateEvent), an overlay shows the certificate
// and asks No / Trust once / Trust always. It is keyboard only and made so
// that typing cannot trust by accident: letters do nothing, Left/Right
// (Tab, Shift-Tab) move the choice, Enter takes it, Esc refuses, and the
// choice starts on No. "Trust once" trusts the certificate for this run,
// "Trust always" writes its pin (in place of the server's other pins); both
// then connect the account again. Several prompts wait in turn. While one
// is open it takes every key.

// certChoice is a button of the prompt, in the order drawn.
type certChoice int

const (
	certNo certChoice = iota
	certOnce
	certAlways
	certChoices
)

// label is the button's text.
func (c certChoice) label() string {
	switch c {
	case certOnce:
		return "Trust once"
	case certAlways:
		return "Trust always"
	}
	return "No"
}

// certPrompt is one certificate waiting for an answer.
type certPrompt struct {
	acct *acctState
	ev   account.CertificateEvent
	sel  certChoice
}

// certPrompts is the prompt state of the UI (tview goroutine only).
type certPrompts struct {
	queue []*certPrompt // the first is shown
}

// maxCertPrompts bounds the prompts waiting (one per account would do; a
// server cannot make more than one per login).
const maxCertPrompts = 16

// applyCertificate queues the prompt of ev and says in the console what
// happened (the account's Failed state follows with the one-line reason).
func (u *UI) applyCertificate(a *acctState, ev account.CertificateEvent) {
	if ev.Cert == nil {
		return
	}
	for i, p := range u.certs.queue {
		if p.acct == a { // the newest certificate of an account replaces an older question
			u.certs.queue[i] = &certPrompt{acct: a, ev: ev}
			return
		}
	}
	if len(u.certs.queue) >= maxCertPrompts {
		return
	}
	u.certs.queue = append(u.certs.queue, &certPrompt{acct: a, ev: ev})
	if len(ev.Pinned) > 0 {
		u.info(u.console(), true, a.jid.String()+": WARNING: "+certChangedLine(ev)+"; refused")
	}
}

// certChangedLine names both fingerprints of a changed certificate.
func certChangedLine(ev account.CertificateEvent) string {
	olds := make([]string, len(ev.Pinned))
	for i, p := range ev.Pinned {
		olds[i] = p.Fingerprint
	}
	return fmt.Sprintf("the certificate of %s changed: pinned %s, presented %s (a renewal, or someone intercepting the connection)",
		cleanName(ev.Server), strings.Join(olds, ", "), ev.Fingerprint)
}

// certKey handles a key while a prompt is open; it reports whether one is.
func (u *UI) certKey(ev *tcell.EventKey) bool {
	if len(u.certs.queue) == 0 {
		return false
	}
	p := u.certs.queue[0]
	switch ev.Key() {
	case tcell.KeyRight, tcell.KeyTab:
		p.sel = (p.sel + 1) % certChoices
	case tcell.KeyLeft, tcell.KeyBacktab:
		p.sel = (p.sel + certChoices - 1) % certChoices
	case tcell.KeyEscape:
		u.certAnswer(p, certNo)
	case tcell.KeyEnter:
		u.certAnswer(p, p.sel)
	}
	return true
}

// certAnswer closes p and acts on the choice.
func (u *UI) certAnswer(p *certPrompt, c certChoice) {
	u.certs.queue = u.certs.queue[1:]
	a, w := p.acct, u.console()
	name := a.jid.String()
	if c == certNo {
		u.info(w, false, name+": certificate "+p.ev.Fingerprint+" not trusted; the account stays offline (/connect asks again)")
		return
	}
	ta, ok := a.a.(TLSAccount)
	ca, okc := a.a.(ConnAccount)
	if !ok || !okc {
		u.info(w, true, name+": this account cannot trust a certificate")
		return
	}
	cert, always := p.ev.Cert, c == certAlways
	u.async(w, func(context.Context) (string, error) { // Pin writes a file
		if err := ta.TrustCertificate(cert, always); err != nil {
			return "", fmt.Errorf("%s: trusting the certificate: %v", name, err)
		}
		msg := name + ": certificate " + tlstrust.Fingerprint(cert) + " trusted for this run; connecting"
		if always {
			msg = name + ": certificate " + tlstrust.Fingerprint(cert) + " pinned (/tls trusted lists the pins); connecting"
		}
		if err := connectAfterFailure(a.a, ca); err != nil {
			msg += " (" + err.Error() + ")"
		}
		return msg, nil
	})
}

// connectAfterFailure connects an account that stopped on a certificate.
// Its Run may still be ending (Failed reported, not yet returned): Connect
// says "already connecting" then, so it is tried again for a moment.
func connectAfterFailure(a Account, ca ConnAccount) error {
	for i := 0; ; i++ {
		err := ca.Connect()
		if !errors.Is(err, account.ErrAlreadyConnecting) || a.State() != account.Failed || i == 100 {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// certLines is the prompt's text, a paragraph each; the certificate's
// fields are sanitized by tlstrust.Describe.
func certLines(p *certPrompt) (title string, lines []string) {
	ev := p.ev
	server := cleanName(ev.Server)
	if len(ev.Pinned) > 0 {
		title = " WARNING: certificate changed "
		lines = append(lines,
			fmt.Sprintf("%s: the certificate of %s is not the one you pinned. It may be a renewal, or someone intercepting the connection: parley refused it.", p.acct.jid, server))
		for _, pin := range ev.Pinned {
			lines = append(lines, "  pinned:  "+splitFingerprint(pin.Fingerprint)+" (since "+pin.Added.Format("2006-01-02")+")")
		}
		lines = append(lines, "  now:     "+splitFingerprint(ev.Fingerprint))
		if ev.Reason == "" {
			lines = append(lines, "The new certificate is signed by a trusted authority (likely a renewal; /tls revoke the old pin to rely on authorities again).")
		} else {
			lines = append(lines, "The new certificate does not verify either: "+ev.Reason+".")
		}
	} else {
		title = " certificate not trusted "
		lines = append(lines, fmt.Sprintf("%s: the server %s presented a certificate that does not verify: %s.", p.acct.jid, server, ev.Reason))
	}
	for _, l := range tlstrust.Describe(ev.Cert) {
		if fp, ok := strings.CutPrefix(l, "SHA-256: "); ok {
			l = "SHA-256: " + splitFingerprint(fp)
		}
		lines = append(lines, "  "+l)
	}
	lines = append(lines, "Trust it only if this fingerprint is the one your server's admin gives.")
	return title, lines
}

// splitFingerprint breaks a SHA-256 fingerprint (95 characters) in two
// halves of 16 bytes, a line each, so that it fits in 80 columns.
func splitFingerprint(fp string) string {
	if len(fp) != 95 {
		return fp
	}
	return fp[:48] + "\n" + fp[48:]
}

// drawCertPrompt draws the first prompt over the frame.
func (u *UI) drawCertPrompt(scr tcell.Screen) {
	if len(u.certs.queue) == 0 {
		return
	}
	p := u.certs.queue[0]
	th := u.theme
	sw, sh := scr.Size()
	bw := min(sw-2, 104)
	inner := bw - 4
	if inner < 10 || sh < 8 {
		return
	}
	title, paras := certLines(p)
	var text []string
	for _, para := range paras {
		indent := 0
		if strings.HasPrefix(para, "  ") {
			indent = 11 // under the value of "  subject: ..."
		}
		for _, r := range wrap(para, inner, indent, 0, nil, nil) {
			text = append(text, strings.Repeat(" ", r.indent)+para[r.from:r.to])
		}
	}
	bh := min(len(text)+6, sh)
	x, y := (sw-bw)/2, max((sh-bh)/3, 0)
	base := th.base()
	if base == tcell.StyleDefault {
		base = base.Background(tcell.ColorDefault)
	}
	frame := base.Foreground(th.Header)
	if len(p.ev.Pinned) > 0 {
		frame = base.Foreground(th.Error).Bold(true)
	}
	for r := 0; r < bh; r++ {
		fill(scr, x, y+r, bw, base)
		scr.Put(x, y+r, "│", frame)
		scr.Put(x+bw-1, y+r, "│", frame)
	}
	for c := 1; c < bw-1; c++ {
		scr.Put(x+c, y, "─", frame)
		scr.Put(x+c, y+bh-1, "─", frame)
	}
	scr.Put(x, y, "┌", frame)
	scr.Put(x+bw-1, y, "┐", frame)
	scr.Put(x, y+bh-1, "└", frame)
	scr.Put(x+bw-1, y+bh-1, "┘", frame)
	put(scr, x+2, y, bw-4, title, frame)
	if n := len(u.certs.queue); n > 1 {
		more := fmt.Sprintf(" 1 of %d ", n)
		put(scr, x+bw-1-len(more), y, len(more), more, frame)
	}
	for i, l := range text {
		if 1+i >= bh-5 {
			break
		}
		put(scr, x+2, y+1+i, inner, l, base)
	}
	// The buttons, then the keys.
	bx, by := x+2, y+bh-4
	for c := certNo; c < certChoices; c++ {
		label := "[ " + c.label() + " ]"
		st := base
		if c == p.sel {
			st = th.current(st).Bold(true)
			label = "[>" + c.label() + "<]"
		}
		bx = put(scr, bx, by, x+bw-2-bx, label, st) + 2
	}
	put(scr, x+2, y+bh-2, inner, "Left/Right or Tab choose, Enter confirms, Esc refuses", base.Foreground(th.Info))
	scr.HideCursor()
}
