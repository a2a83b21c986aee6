package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"parley/account"
	"parley/sanitize"
)

func cmdStatus(u *UI, c *call) error {
	show, ok := account.ParseShow(c.args[0])
	if !ok {
		return errUsage
	}
	text := ""
	if len(c.args) > 1 {
		text = c.args[1]
	}
	return u.setPresence(c, show, text)
}

// showCommand is the handler of /away, /xa, /dnd, /chat, /back and
// /online: /status with the availability in its name.
func showCommand(show account.Show) func(u *UI, c *call) error {
	return func(u *UI, c *call) error {
		text := ""
		if len(c.args) > 0 {
			text = c.args[0]
		}
		return u.setPresence(c, show, text)
	}
}

// setPresence sets the presence of every account, or of the one chosen
// with -a, reporting in the window of the command.
func (u *UI) setPresence(c *call, show account.Show, text string) error {
	targets := u.accts
	if c.acct != nil {
		targets = []*acctState{c.acct}
	}
	if len(targets) == 0 {
		return fmt.Errorf("no account configured")
	}
	for _, a := range targets {
		u.sendPresence(c.win, a, show, text)
	}
	return nil
}

// sendPresence sets a's presence without waiting; the outcome is a line
// in w. It goes through the account's send lane, so that presences (and
// messages) reach the server in the order typed: /away then /back ends
// online.
func (u *UI) sendPresence(w *window, a *acctState, show account.Show, text string) {
	u.asyncSend(a, w, func(ctx context.Context) (string, error) {
		if err := a.a.SetPresence(ctx, show, text); err != nil {
			return "", fmt.Errorf("%s: %v", a.jid, err)
		}
		return fmt.Sprintf("%s: status %s", a.jid, showWord(show, true)), nil
	})
}

// subType maps a /sub word to a subscription stanza type and the line shown
// once it is sent.
func subType(word string) (typ, done string, ok bool) {
	switch word {
	case "request":
		return "subscribe", "asked %s for their presence", true
	case "allow":
		return "subscribed", "allowed %s to see your presence", true
	case "deny":
		return "unsubscribed", "denied %s your presence", true
	case "cancel":
		return "unsubscribe", "stopped receiving the presence of %s", true
	}
	return "", "", false
}

func cmdSub(u *UI, c *call) error {
	typ, done, ok := subType(c.args[0])
	if !ok {
		return errUsage
	}
	a, to, err := u.contactArg(c, c.args[1])
	if err != nil {
		return err
	}
	if typ == "subscribed" || typ == "unsubscribed" {
		delete(a.requests, to.String()) // answered: a new request is news again
	}
	u.asyncReq(a, c.win, func(ctx context.Context) (string, error) { // after the roster edits typed before it (sendlane.go)
		if err := a.a.Subscription(ctx, to, typ); err != nil {
			return "", err
		}
		return fmt.Sprintf(done, to), nil
	})
	return nil
}

func cmdRoster(u *UI, c *call) error {
	if done, err := u.rosterViewCmd(c); done { // show|hide offline, order, fold (rosterview.go)
		return err
	}
	sub, args := c.args[0], c.args[1:]
	a, j, err := u.contactArg(c, args[0])
	if err != nil {
		return err
	}
	item := account.RosterItem{JID: j}
	if pending, ok := a.edits[j.String()]; ok {
		item.Name = pending.Name
		item.Groups = slices.Clone(pending.Groups)
	} else if old, ok := a.items[j.String()]; ok {
		item.Name = old.Name
		item.Groups = slices.Clone(old.Groups)
	}
	rest := strings.Join(args[1:], " ")
	switch {
	case sub == "add":
		if rest != "" {
			item.Name = rest
		}
	case sub == "remove" && len(args) == 1:
		delete(a.edits, j.String())
		u.asyncReq(a, c.win, func(ctx context.Context) (string, error) {
			return "removed " + j.String() + " from the roster", a.a.RosterRemove(ctx, j)
		})
		return nil
	case sub == "nick" && rest != "":
		item.Name = rest
	case sub == "group":
		item.Groups = slices.Clone(args[1:])
	default:
		return errUsage
	}
	a.edits[j.String()] = item
	// Each edit carries the edits typed before it (a.edits), so they must
	// reach the server in the order typed (with a goroutine each, /roster
	// group overtook the /roster add before it).
	u.asyncReq(a, c.win, func(ctx context.Context) (string, error) {
		if err := a.a.RosterSet(ctx, item); err != nil {
			return "", err
		}
		return "roster updated: " + item.JID.String(), nil
	})
	return nil
}

// cmdHelp shows help in the window it was typed in: the conversation
// stays in view.
func cmdHelp(u *UI, c *call) error {
	con := c.win
	if len(c.args) == 0 {
		u.info(con, false, "commands (/help COMMAND for one, /help keys for the keys):")
		for _, cmd := range u.cmds {
			u.info(con, false, "  /"+strings.TrimSpace(cmd.name+" "+cmd.usage)+": "+cmd.help)
		}
		u.info(con, false, "text without a leading / is sent to the current conversation; //text sends \"/text\"")
		u.info(con, false, "with several accounts, commands act on the current window's account; -a ACCOUNT (JID or unique prefix) picks another")
		u.info(con, false, quotingHelp)
		u.info(con, false, "a contact is its address (name@server) or its roster name, or the start of either when that is unique")
		return nil
	}
	if c.args[0] == "keys" {
		u.keysHelp(con) // ui/keys.go
		return nil
	}
	cmd := u.lookup(strings.TrimPrefix(c.args[0], "/"))
	if cmd == nil {
		return fmt.Errorf("no command %q: /help lists them", sanitize.Text(c.args[0]))
	}
	u.info(con, false, "/"+strings.TrimSpace(cmd.name+" "+cmd.usage))
	u.info(con, false, "  "+cmd.help)
	return nil
}
