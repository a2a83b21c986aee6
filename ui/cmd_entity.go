package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"parley/caps"
	"parley/entity"
	"parley/sanitize"
)

// EntityAccount asks other entities about themselves (account.Account):
// software version, time, last activity, ping and service discovery. A
// zero JID means the account's server. The methods wait on the network:
// the UI calls them off the tview goroutine.
type EntityAccount interface {
	Version(ctx context.Context, j jid.JID) (entity.Version, error)
	Time(ctx context.Context, j jid.JID) (entity.Time, error)
	LastActivity(ctx context.Context, j jid.JID) (entity.Last, error)
	Ping(ctx context.Context, j jid.JID) (time.Duration, error)
	DiscoInfo(ctx context.Context, j jid.JID, node string) (caps.Info, error)
	DiscoItems(ctx context.Context, j jid.JID, node string) (entity.Items, error)
}

// maxDiscoLines bounds the features and the items /disco prints.
const maxDiscoLines = 200

// entityCommands are the rows of the entity queries.
func entityCommands() []command {
	return []command{
		{name: "version", usage: "[-a ACCOUNT] [JID|name|nick]", help: "ask for the software version (XEP-0092) of JID (a contact's name asks each of its online resources; in a room, an occupant's nick; default: this conversation's contact, else the server)", max: 1, acct: true, run: entityQuery(askVersion), complete: completeJIDArg(0)},
		{name: "time", usage: "[-a ACCOUNT] [JID|name|nick]", help: "ask for the local time (XEP-0202) of JID, as /version picks it", max: 1, acct: true, run: entityQuery(askTime), complete: completeJIDArg(0)},
		{name: "last", usage: "[-a ACCOUNT] [JID|name|nick]", help: "ask for the last activity (XEP-0012) of JID: a resource's idle time, an offline contact's time since logging out, a server's uptime", max: 1, acct: true, run: entityQuery(askLast), complete: completeJIDArg(0)},
		{name: "ping", usage: "[-a ACCOUNT] [JID|name|nick]", help: "ping JID (XEP-0199; default: the server) and show the round-trip time", max: 1, acct: true, run: cmdPing, complete: completeJIDArg(0)},
		{name: "disco", usage: "[-a ACCOUNT] [JID [node]]", help: "service discovery (XEP-0030) of JID (default: the server), on node if given: its identities, features and items", max: 2, acct: true, run: cmdDisco, complete: completeJIDArg(0)},
	}
}

// entityAcct returns the account of c that answers entity queries.
func (u *UI) entityAcct(c *call) (*acctState, EntityAccount, error) {
	a, err := u.pickAcct(c)
	if err != nil {
		return nil, nil, err
	}
	ea, ok := a.a.(EntityAccount)
	if !ok {
		return nil, nil, errors.New("account " + a.name + " cannot ask that")
	}
	return a, ea, nil
}

// entityTargets resolves the argument of an entity query: an address as
// written (a full JID kept), a room occupant's nick in a room window, a
// contact's name (each online resource of a contact, or the bare JID when
// none is online); without an argument this conversation's peer, else the
// server (the zero JID).
func (u *UI) entityTargets(c *call, a *acctState, perResource bool) ([]jid.JID, error) {
	w := c.win
	var j jid.JID
	switch {
	case len(c.args) > 0 && w.kind == winRoom && c.acct == nil && !strings.ContainsAny(c.args[0], "@/"):
		if o, ok := w.room.occupant(c.args[0]); ok {
			occ, err := w.peer.WithResource(o.Nick)
			return []jid.JID{occ}, err
		}
		fallthrough
	case len(c.args) > 0 && !strings.ContainsAny(c.args[0], "@/"):
		found, bare, err := u.contact(a, c.args[0])
		if err != nil {
			return nil, err
		}
		if found != a {
			return nil, errors.New("that contact is on another account: say which with -a ACCOUNT")
		}
		j = bare
	case len(c.args) > 0:
		var err error
		if j, err = jid.Parse(c.args[0]); err != nil {
			return nil, errorf("%q is not a valid JID: %v", c.args[0], err)
		}
	case c.acct == nil && w.kind == winChat && w.acct == a:
		j = w.peer
	case c.acct == nil && w.kind == winRoom && w.acct == a:
		j = w.peer
	default:
		return []jid.JID{{}}, nil
	}
	if !perResource || j.Resourcepart() != "" || j.Localpart() == "" {
		return []jid.JID{j}, nil
	}
	res := a.pres[j.String()]
	if len(res) == 0 {
		return []jid.JID{j}, nil
	}
	names := make([]string, 0, len(res))
	for r := range res {
		names = append(names, r)
	}
	slices.Sort(names)
	out := make([]jid.JID, 0, len(names))
	for _, r := range names {
		if full, err := j.WithResource(r); err == nil {
			out = append(out, full)
		}
	}
	return out, nil
}

// targetName is how a query's target is written in its answer.
func targetName(a *acctState, j jid.JID) string {
	if j.String() == "" {
		return sanitize.Text(a.jid.Domainpart())
	}
	return sanitize.Text(j.String())
}

// asker runs one entity query and returns its lines.
type asker func(ctx context.Context, ea EntityAccount, a *acctState, j jid.JID) (string, error)

// entityQuery is the run of a command asking each target with ask, off
// the tview goroutine, and printing each answer in the window as it comes.
func entityQuery(ask asker) func(*UI, *call) error {
	return func(u *UI, c *call) error {
		a, ea, err := u.entityAcct(c)
		if err != nil {
			return err
		}
		targets, err := u.entityTargets(c, a, true)
		if err != nil {
			return err
		}
		u.askEach(c.win, a, ea, targets, ask)
		return nil
	}
}

// askEach asks every target at once and prints each answer as it comes.
func (u *UI) askEach(w *window, a *acctState, ea EntityAccount, targets []jid.JID, ask asker) {
	ctx := u.ctx
	for _, j := range targets {
		go func() {
			ctx, cancel := context.WithTimeout(ctx, requestTimeout)
			defer cancel()
			line, err := ask(ctx, ea, a, j)
			u.postFunc(func() {
				if !u.isOpen(w) {
					return
				}
				if err != nil {
					u.info(w, true, targetName(a, j)+": "+err.Error())
					return
				}
				u.info(w, false, line)
			})
		}()
	}
}

func askVersion(ctx context.Context, ea EntityAccount, a *acctState, j jid.JID) (string, error) {
	v, err := ea.Version(ctx, j)
	return "version of " + targetName(a, j) + ": " + v.String(), err
}

func askTime(ctx context.Context, ea EntityAccount, a *acctState, j jid.JID) (string, error) {
	t, err := ea.Time(ctx, j)
	if err != nil {
		return "", err
	}
	line := "time of " + targetName(a, j) + ": " + t.Local().Format("Mon 2006-01-02 15:04:05 -07:00")
	if skew := t.UTC.Sub(time.Now()).Round(time.Second); skew >= 5*time.Second || skew <= -5*time.Second {
		line += fmt.Sprintf(" (its clock is %s %s of ours)", roughDuration(skew.Abs()), map[bool]string{true: "ahead", false: "behind"}[skew > 0])
	}
	return line, nil
}

func askLast(ctx context.Context, ea EntityAccount, a *acctState, j jid.JID) (string, error) {
	l, err := ea.LastActivity(ctx, j)
	if err != nil {
		return "", err
	}
	d := roughDuration(time.Duration(l.Seconds) * time.Second)
	name := targetName(a, j)
	var line string
	switch {
	case j.Localpart() == "":
		line = name + " has been up for " + d
	case j.Resourcepart() != "":
		line = name + " has been idle for " + d
	case l.Seconds == 0:
		line = name + " is online"
	default:
		line = name + " logged out " + d + " ago"
	}
	if l.Status != "" {
		line += ": \"" + l.Status + "\""
	}
	return line, nil
}

func cmdPing(u *UI, c *call) error {
	a, ea, err := u.entityAcct(c)
	if err != nil {
		return err
	}
	var targets []jid.JID
	if len(c.args) == 0 {
		targets = []jid.JID{{}} // the server, whatever the window
	} else if targets, err = u.entityTargets(c, a, true); err != nil {
		return err
	}
	u.askEach(c.win, a, ea, targets, func(ctx context.Context, ea EntityAccount, a *acctState, j jid.JID) (string, error) {
		rtt, err := ea.Ping(ctx, j)
		return fmt.Sprintf("pong from %s in %s", targetName(a, j), rtt.Round(100*time.Microsecond)), err
	})
	return nil
}

func cmdDisco(u *UI, c *call) error {
	a, ea, err := u.entityAcct(c)
	if err != nil {
		return err
	}
	node := ""
	if len(c.args) > 1 {
		node = c.args[1]
	}
	targets := []jid.JID{{}}
	if len(c.args) > 0 {
		if targets, err = u.entityTargets(c, a, false); err != nil {
			return err
		}
	}
	j, w, ctx := targets[0], c.win, u.ctx
	go func() {
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		info, ierr := ea.DiscoInfo(ctx, j, node)
		items, terr := ea.DiscoItems(ctx, j, node)
		lines := discoLines(targetName(a, j), node, info, ierr, items, terr)
		u.postFunc(func() {
			if !u.isOpen(w) {
				return
			}
			for i, l := range lines {
				u.info(w, i > 0 && strings.HasPrefix(l, "  cannot"), l)
			}
		})
	}()
	return nil
}

// discoLines formats a disco#info and disco#items answer.
func discoLines(name, node string, info caps.Info, ierr error, items entity.Items, terr error) []string {
	head := "service discovery of " + name
	if node != "" {
		head += " node " + sanitize.Text(node)
	}
	lines := []string{head}
	if ierr != nil {
		lines = append(lines, "  cannot read its identities and features: "+ierr.Error())
	} else {
		for _, id := range info.Identities {
			l := "  identity: " + sanitize.Text(id.Category+"/"+id.Type)
			if id.Name != "" {
				l += " \"" + sanitize.Text(id.Name) + "\""
			}
			lines = append(lines, l)
		}
		fs := slices.Sorted(slices.Values(info.Features))
		for i, f := range fs {
			if i == maxDiscoLines {
				lines = append(lines, fmt.Sprintf("  … and %d more features", len(fs)-i))
				break
			}
			lines = append(lines, "  feature: "+sanitize.Text(f))
		}
	}
	if terr != nil {
		return append(lines, "  cannot read its items: "+terr.Error())
	}
	if len(items.Items) == 0 {
		return append(lines, "  no items")
	}
	for i, it := range items.Items {
		if i == maxDiscoLines {
			lines = append(lines, fmt.Sprintf("  … and %d more items", len(items.Items)-i))
			break
		}
		l := "  item: " + sanitize.Text(it.JID)
		if it.Node != "" {
			l += " node " + sanitize.Text(it.Node)
		}
		if it.Name != "" {
			l += " \"" + sanitize.Text(it.Name) + "\""
		}
		lines = append(lines, l)
	}
	if items.Cut {
		lines = append(lines, fmt.Sprintf("  (only the first %d items were read)", entity.MaxItems))
	}
	return lines
}

// roughDuration writes d the way a person says it: "3 days 4 h", "5 min
// 2 s", "40 s".
func roughDuration(d time.Duration) string {
	s := int64(d / time.Second)
	switch {
	case s >= 86400:
		return fmt.Sprintf("%d d %d h", s/86400, s%86400/3600)
	case s >= 3600:
		return fmt.Sprintf("%d h %d min", s/3600, s%3600/60)
	case s >= 60:
		return fmt.Sprintf("%d min %d s", s/60, s%60)
	}
	return fmt.Sprintf("%d s", s)
}
