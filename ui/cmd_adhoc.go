package ui

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"mellium.im/xmpp/jid"

	"parley/adhoc"
	"parley/entity"
	"parley/forms"
	"parley/sanitize"
)

// CommandAccount runs ad-hoc commands (XEP-0050; account.Account). Its
// methods wait on the network.
type CommandAccount interface {
	Commands(ctx context.Context, j jid.JID) (entity.Items, error)
	Command(ctx context.Context, j jid.JID, req adhoc.Request) (*adhoc.Response, error)
}

// maxCommandsShown bounds the commands listed and offered.
const maxCommandsShown = 200

// adhocCommands are the rows of ad-hoc commands.
func adhocCommands() []command {
	return []command{
		{name: "command", usage: "[-a ACCOUNT] [JID|name [node]]", help: "list the ad-hoc commands (XEP-0050) of JID (default: the server; a contact: its online resource) and run one in a form window, through its stages (previous, next, complete, cancel); with a node, run that command at once", max: 2, acct: true, run: cmdCommand, complete: completeJIDArg(0)},
	}
}

func cmdCommand(u *UI, c *call) error {
	a, err := u.pickAcct(c)
	if err != nil {
		return err
	}
	ca, ok := a.a.(CommandAccount)
	if !ok {
		return errors.New("account " + a.name + " cannot run ad-hoc commands")
	}
	to := jid.JID{}
	if len(c.args) > 0 && c.args[0] == a.jid.Domainpart() {
		to = a.jid.Domain() // our server, even when its name has no dot ("localhost")
	} else if len(c.args) > 0 {
		// A contact's commands are its clients': an online resource.
		targets, err := u.entityTargets(c, a, true)
		if err != nil {
			return err
		}
		to = targets[0]
		if len(targets) > 1 {
			u.info(c.win, false, sanitize.Text(to.String())+" of "+strconv.Itoa(len(targets))+" online resources (give a full JID for another)")
		}
	}
	run := &adhocRun{ca: ca, to: to, origin: c.win}
	if len(c.args) > 1 {
		run.item = entity.Item{JID: to.String(), Node: c.args[1], Name: c.args[1]}
		u.info(c.win, false, "running "+sanitize.Text(c.args[1])+" at "+targetName(a, to)+"…")
		u.startCommand(a, run)
		return nil
	}
	name, w, ctx := targetName(a, to), c.win, u.ctx
	u.info(w, false, "asking "+name+" for its commands…")
	go func() {
		items, err := ca.Commands(ctx, to)
		u.Post(histFunc{f: func(u *UI) { u.showCommands(a, run, name, items, err) }})
	}()
	return nil
}

// adhocRun is one ad-hoc command session. Its fields past mu change off
// the tview goroutine (in submit) and are read on it (in cancel).
type adhocRun struct {
	ca     CommandAccount
	to     jid.JID // whose commands (zero: the server)
	origin *window // where the command was typed: its errors go there once the form is gone
	items  []entity.Item

	mu        sync.Mutex
	item      entity.Item // the command running
	sessionID string
	executing bool // a session is open at the responder: cancelling tells it
	cancelled bool // the window was cancelled: a session that opens later is cancelled at once
}

// showCommands lists the commands in the window the command was typed in
// and opens a form window to choose one.
func (u *UI) showCommands(a *acctState, run *adhocRun, name string, items entity.Items, err error) {
	w := run.origin
	if !u.isOpen(w) {
		w = u.console()
	}
	if err != nil {
		u.info(w, true, "commands of "+name+": "+sanitize.Text(err.Error()))
		return
	}
	if len(items.Items) == 0 {
		u.info(w, false, name+" offers no ad-hoc commands")
		return
	}
	list := items.Items[:min(len(items.Items), maxCommandsShown)]
	run.items = list
	u.info(w, false, strconv.Itoa(len(list))+" commands of "+name+" (/command JID node runs one):")
	field := forms.Field{Var: "command", Type: forms.ListSingle, Label: "Command", Required: true}
	for i, it := range list {
		label := it.Name
		if label == "" {
			label = it.Node
		}
		u.info(w, false, "  "+sanitize.Text(label)+"  ["+sanitize.Text(it.JID)+" "+sanitize.Text(it.Node)+"]")
		field.Options = append(field.Options, forms.Option{Label: label, Value: strconv.Itoa(i)})
	}
	field.Values = []string{"0"}
	page := &formPage{
		title:   "commands of " + name,
		form:    &forms.Form{Type: forms.TypeForm, Title: "Commands of " + name, Fields: []forms.Field{field}},
		actions: []formAction{{adhoc.Execute, "Run"}, {formCancel, "Cancel"}},
	}
	u.openFormPage(a, page, run.submit, u.adhocCancel(run))
}

// startCommand opens a form window that executes run.item at once.
func (u *UI) startCommand(a *acctState, run *adhocRun) {
	page := &formPage{title: run.item.Name, notes: []formNote{{kind: adhoc.NoteInfo, text: "running…"}}, actions: []formAction{{formCancel, "Cancel"}}}
	w := u.openFormPage(a, page, run.submit, u.adhocCancel(run))
	u.formPress(w, adhoc.Execute) // a page without a form: nothing to validate
}

// submit runs one request of the session, off the tview goroutine: the
// command chosen in the list (action execute), or the action pressed on
// a stage, with the stage's form filled in.
func (r *adhocRun) submit(ctx context.Context, action string, f *forms.Form) (*formPage, error) {
	r.mu.Lock()
	req := adhoc.Request{Node: r.item.Node, SessionID: r.sessionID, Action: action}
	to := r.item.JID
	r.mu.Unlock()
	if action == adhoc.Execute && req.SessionID == "" && f != nil && f.Field("command") != nil {
		i, err := strconv.Atoi(f.Field("command").Value())
		if err != nil || i < 0 || i >= len(r.items) {
			return nil, errors.New("choose a command")
		}
		r.mu.Lock()
		r.item = r.items[i]
		req.Node, to = r.item.Node, r.item.JID
		r.mu.Unlock()
	} else if f != nil && action != adhoc.Prev {
		req.Form = f.Submit()
	}
	j, err := jid.Parse(to)
	if err != nil {
		return nil, errors.New("the command's address is not a valid JID")
	}
	resp, err := r.ca.Command(ctx, j, req)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.sessionID, r.executing = resp.SessionID, resp.Status == adhoc.Executing
	name, late := r.item.Name, r.cancelled && r.executing
	r.executing = r.executing && !late
	r.mu.Unlock()
	if late { // cancelled while this request was under way
		_, err := r.ca.Command(ctx, j, adhoc.Request{Node: req.Node, SessionID: resp.SessionID, Action: adhoc.Cancel})
		return nil, err
	}
	return adhocPage(name, resp), nil
}

// adhocCancel returns the cancel function of run's form window: it tells
// the responder, off the tview goroutine, when a session is open.
func (u *UI) adhocCancel(run *adhocRun) func() {
	return func() {
		run.mu.Lock()
		req := adhoc.Request{Node: run.item.Node, SessionID: run.sessionID, Action: adhoc.Cancel}
		to, open := run.item.JID, run.executing
		run.executing, run.cancelled = false, true
		run.mu.Unlock()
		if !open {
			return
		}
		j, err := jid.Parse(to)
		if err != nil {
			return
		}
		u.async(run.origin, func(ctx context.Context) (string, error) {
			if _, err := run.ca.Command(ctx, j, req); err != nil {
				return "", errors.New("cancelling the command: " + err.Error())
			}
			return "", nil
		})
	}
}

// adhocPage is the form page of a response: its form and notes, with the
// buttons of the actions the stage allows (Cancel too while it executes),
// or Close once the command is done.
func adhocPage(name string, resp *adhoc.Response) *formPage {
	page := &formPage{title: name, form: resp.Form}
	if page.title == "" {
		page.title = resp.Node
	}
	for _, n := range resp.Notes {
		page.notes = append(page.notes, formNote{kind: n.Type, text: n.Text})
	}
	labels := map[string]string{adhoc.Prev: "Previous", adhoc.Next: "Next", adhoc.Complete: "Complete"}
	switch resp.Status {
	case adhoc.Executing:
		for _, a := range resp.Actions {
			page.actions = append(page.actions, formAction{a, labels[a]})
		}
		page.actions = append(page.actions, formAction{formCancel, "Cancel"})
		page.deflt = resp.Default
	default:
		if len(page.notes) == 0 && resp.Form == nil {
			text := "The command is done."
			if resp.Status == adhoc.Canceled {
				text = "The command was cancelled."
			}
			page.notes = []formNote{{kind: adhoc.NoteInfo, text: text}}
		}
		page.actions = []formAction{{formClose, "Close"}}
	}
	if resp.Form != nil && resp.Status != adhoc.Executing {
		f := resp.Form.Clone()
		f.Type = forms.TypeResult // what a finished command shows is read-only
		page.form = f
	}
	return page
}
