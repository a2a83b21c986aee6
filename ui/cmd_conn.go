package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"parley/account"
)

// disconnectWait bounds /disconnect's wait for the clean logout.
const disconnectWait = 10 * time.Second

// ConnAccount is what the connection commands need from an account: the
// reconnect machinery of account.Account.
type ConnAccount interface {
	// Connect starts the account, or ends its offline state after
	// Disconnect or its wait between attempts; it does not block. On an
	// account that is online or connecting it does nothing and returns
	// account.ErrAlreadyOnline or account.ErrAlreadyConnecting.
	Connect() error
	// Reconnect reconnects now (resuming the stream where possible); it
	// does not block.
	Reconnect()
	// Disconnect logs out cleanly and stays offline until Connect or
	// Reconnect.
	Disconnect(ctx context.Context) error
}

// connTarget returns the account a connection command acts on: the named
// one, else as pickAcct.
func (u *UI) connTarget(c *call) (*acctState, ConnAccount, error) {
	a := c.acct
	if len(c.args) > 0 {
		var err error
		if a, err = u.accountByName(c.args[0]); err != nil {
			return nil, nil, err
		}
	}
	if a == nil {
		var err error
		if a, err = u.pickAcct(c); err != nil {
			return nil, nil, err
		}
	}
	ca, ok := a.a.(ConnAccount)
	if !ok {
		return nil, nil, fmt.Errorf("%s: this account cannot be connected or disconnected by hand", a.jid)
	}
	return a, ca, nil
}

func cmdConnect(u *UI, c *call) error {
	a, ca, err := u.connTarget(c)
	if err != nil {
		return err
	}
	switch err := ca.Connect(); {
	case errors.Is(err, account.ErrAlreadyOnline):
		u.info(c.win, false, a.jid.String()+": already online (/reconnect reconnects)")
	case errors.Is(err, account.ErrAlreadyConnecting):
		u.info(c.win, false, a.jid.String()+": already connecting; the status bar shows the state")
	case err != nil:
		return fmt.Errorf("%s: %v", a.jid, err)
	default:
		u.info(c.win, false, a.jid.String()+": connecting")
	}
	return nil
}

func cmdReconnect(u *UI, c *call) error {
	a, ca, err := u.connTarget(c)
	if err != nil {
		return err
	}
	ca.Reconnect()
	u.info(c.win, false, a.jid.String()+": reconnecting")
	return nil
}

func cmdDisconnect(u *UI, c *call) error {
	a, ca, err := u.connTarget(c)
	if err != nil {
		return err
	}
	u.async(c.win, func(ctx context.Context) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, disconnectWait)
		defer cancel()
		if err := ca.Disconnect(ctx); err != nil {
			return "", fmt.Errorf("%s: disconnect: %v", a.jid, err)
		}
		return a.jid.String() + ": disconnected (/connect to go online)", nil
	})
	return nil
}

// completeAccount completes the first argument with the accounts' JIDs.
func completeAccount(u *UI, i int, args []string) []string {
	if i != 0 {
		return nil
	}
	out := make([]string, 0, len(u.accts))
	for _, a := range u.accts {
		out = append(out, a.jid.String())
	}
	return out
}

// pendingMark follows the body of our message while it waits in the
// account's outbox (typed while offline); it goes when the message is sent.
const pendingMark = " (pending)"

// markPending adds the pending mark to a new entry of ours.
func markPending(e *entry) {
	e.pending = true
	e.addMark(pendingMark)
}

// applySent clears the pending mark of our message ev.ID in the window of
// ev.Peer once the outbox sent it. A window that is not open or has let the
// message scroll out of its newest markScan lines is left alone.
func (u *UI) applySent(a *acctState, ev account.DeliveryEvent) {
	if !ev.Sent || ev.ID == "" {
		return
	}
	if e := u.ownEntry(a, ev); e != nil && e.pending {
		e.pending = false
		e.dropMark(pendingMark)
	}
}

// stateLabel is an account's state for the status bar: the state, and
// while reconnecting when and how often ("reconnecting in 8s (attempt
// 3)"), the part of the account's text before the reason.
func stateLabel(a *acctState) string {
	label := a.state.String()
	if a.state != account.Reconnecting {
		return label
	}
	head, _, _ := strings.Cut(a.stateText, ": ")
	if strings.HasPrefix(head, label) && len(head) <= 40 {
		return head
	}
	return label
}
