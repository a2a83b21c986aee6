// Package adhoc is XEP-0050 ad-hoc commands, the requester's side: the
// <command/> requests that execute a command and move through its stages
// (next, previous, complete, cancel), and a bounded reader of the
// responses, with their status, allowed actions, notes and data form.
//
// A command runs as a session the responder opens on the first request:
//
//	resp := send(adhoc.Request{Node: node})               // execute
//	for resp.Status == adhoc.Executing {                  // a stage
//		f := fill(resp.Form)                              // forms.Form
//		resp = send(adhoc.Request{Node: node, SessionID: resp.SessionID,
//			Action: adhoc.Next, Form: f.Submit()})
//	}
//
// The commands of an entity are its disco#items on the node NS.
package adhoc

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"parley/internal/xmlbound"
	"strings"

	"mellium.im/xmlstream"

	"parley/forms"
)

// NS is the ad-hoc commands namespace, and the disco node of the command
// list.
const NS = "http://jabber.org/protocol/commands"

// Actions of a request (XEP-0050 §3.4).
const (
	Execute  = "execute"  // start the command (or the responder's default action)
	Next     = "next"     // submit this stage, go to the next
	Prev     = "prev"     // go back a stage
	Complete = "complete" // submit this stage as the last
	Cancel   = "cancel"   // end the session
)

// Statuses of a response.
const (
	Executing = "executing" // a stage waits for the requester
	Completed = "completed" // the command is done
	Canceled  = "canceled"  // the command was cancelled
)

// Note types.
const (
	NoteInfo  = "info"
	NoteWarn  = "warn"
	NoteError = "error"
)

// Bounds on what Parse keeps.
const (
	MaxNotes     = 32      // notes kept
	MaxNote      = 4 << 10 // bytes of one note
	MaxSessionID = 1024    // bytes of a session id (a longer one is refused: it must come back whole)
	MaxNode      = 1024    // bytes of a node (likewise)
	maxTokens    = 1 << 18 // tokens read of one <command/> (its form has its own bound)
)

// ErrMalformed reports a response that is not a usable <command/>.
var ErrMalformed = errors.New("adhoc: malformed command response")

// Request is one command request.
type Request struct {
	Node      string      // the command
	SessionID string      // "" on the first request
	Action    string      // "" means execute
	Form      *forms.Form // a submission (usually Form.Submit()), or nil
}

// TokenReader returns the <command/> element of r, for an IQ set.
func (r Request) TokenReader() xml.TokenReader {
	attrs := []xml.Attr{{Name: xml.Name{Local: "node"}, Value: r.Node}}
	if r.SessionID != "" {
		attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "sessionid"}, Value: r.SessionID})
	}
	action := r.Action
	if action == "" {
		action = Execute
	}
	attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "action"}, Value: action})
	var inner xml.TokenReader
	if r.Form != nil {
		inner = r.Form.TokenReader()
	}
	return xmlstream.Wrap(inner, xml.StartElement{Name: xml.Name{Space: NS, Local: "command"}, Attr: attrs})
}

// Note is a <note/> of a response; Text is untrusted (not sanitized).
type Note struct {
	Type string // NoteInfo, NoteWarn or NoteError (an unknown type reads as info)
	Text string
}

// Response is a <command/> the responder sent.
type Response struct {
	Node      string
	SessionID string
	Status    string // Executing, Completed or Canceled ("" read as Executing when there is a session, else Completed)
	// Actions are the actions the stage allows besides cancel (Prev,
	// Next, Complete), in that order; Default is the one to run when the
	// user just submits. A stage without <actions/> allows Complete.
	Actions []string
	Default string
	Notes   []Note
	Form    *forms.Form // nil without one
	Cut     bool        // notes (or the form) went over the bounds and were cut
}

// Allows reports whether the stage allows action.
func (r *Response) Allows(action string) bool {
	if action == Cancel {
		return r.Status == Executing
	}
	for _, a := range r.Actions {
		if a == action {
			return true
		}
	}
	return false
}

// Parse reads a <command xmlns="http://jabber.org/protocol/commands"/>
// whose start was just read from r, up to its end. It never panics and
// keeps no more than the bounds.
func Parse(r xml.TokenReader, start xml.StartElement) (*Response, error) {
	if start.Name != (xml.Name{Space: NS, Local: "command"}) {
		return nil, fmt.Errorf("%w: not a <command/>", ErrMalformed)
	}
	resp := &Response{Node: xmlbound.Attr(start, "node"), SessionID: xmlbound.Attr(start, "sessionid"), Status: xmlbound.Attr(start, "status")}
	if len(resp.Node) > MaxNode || len(resp.SessionID) > MaxSessionID {
		return nil, fmt.Errorf("%w: node or session id too long", ErrMalformed)
	}
	switch resp.Status {
	case Executing, Completed, Canceled:
	case "":
		resp.Status = Completed
		if resp.SessionID != "" {
			resp.Status = Executing
		}
	default:
		return nil, fmt.Errorf("%w: status %q", ErrMalformed, xmlbound.Clip(resp.Status, 32))
	}
	b := &xmlbound.Reader{R: r, Max: maxTokens, Malformed: ErrMalformed}
	sawActions := false
	for {
		tok, err := b.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || b.Depth() != 1 {
			continue
		}
		switch {
		case se.Name == xml.Name{Space: NS, Local: "actions"}:
			if sawActions {
				err = b.Skip()
				break
			}
			sawActions = true
			err = resp.readActions(b, se)
		case se.Name == xml.Name{Space: NS, Local: "note"}:
			if len(resp.Notes) >= MaxNotes {
				resp.Cut = true
				err = b.Skip()
				break
			}
			var n Note
			n, err = readNote(b, se, &resp.Cut)
			resp.Notes = append(resp.Notes, n)
		case se.Name == xml.Name{Space: forms.NS, Local: "x"} && resp.Form == nil:
			var f *forms.Form
			f, err = forms.Parse(b, se) // up to the end of <x/>
			if err == nil {
				resp.Form = f
				resp.Cut = resp.Cut || f.Cut
			}
		default:
			err = b.Skip()
		}
		if err != nil {
			return nil, err
		}
	}
	if resp.Status == Executing && !sawActions {
		resp.Actions, resp.Default = []string{Complete}, Complete
	}
	return resp, nil
}

// readActions reads <actions execute="..."> and its children.
func (r *Response) readActions(b *xmlbound.Reader, se xml.StartElement) error {
	have := map[string]bool{}
	level := b.Depth()
	for {
		tok, err := b.Token()
		if err != nil {
			return err
		}
		if _, ok := tok.(xml.EndElement); ok && b.Depth() < level {
			break
		}
		if c, ok := tok.(xml.StartElement); ok && b.Depth() == level+1 && c.Name.Space == NS {
			switch c.Name.Local {
			case Prev, Next, Complete:
				have[c.Name.Local] = true
			}
		}
	}
	for _, a := range []string{Prev, Next, Complete} {
		if have[a] {
			r.Actions = append(r.Actions, a)
		}
	}
	def := xmlbound.Attr(se, "execute")
	switch {
	case def != "" && have[def]:
		r.Default = def
	case have[Next] && def == "":
		r.Default = Next // execute defaults to next (§3.4)
	case have[Complete]:
		r.Default = Complete
	case have[Next]:
		r.Default = Next
	}
	if len(r.Actions) == 0 { // an empty <actions/>: the stage can only be completed
		r.Actions, r.Default = []string{Complete}, Complete
	}
	return nil
}

// readNote reads a <note/>'s type and text.
func readNote(b *xmlbound.Reader, se xml.StartElement, cut *bool) (Note, error) {
	n := Note{Type: xmlbound.Attr(se, "type")}
	switch n.Type {
	case NoteInfo, NoteWarn, NoteError:
	default:
		n.Type = NoteInfo
	}
	var sb strings.Builder
	level := b.Depth()
	for {
		tok, err := b.Token()
		if err != nil {
			return n, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if sb.Len()+len(t) > MaxNote {
				*cut = true
				sb.WriteString(xmlbound.Clip(string(t), MaxNote-sb.Len()))
				continue
			}
			sb.Write(t)
		case xml.EndElement:
			if b.Depth() < level {
				n.Text = strings.TrimSpace(sb.String())
				return n, nil
			}
		}
	}
}
