// Package ctl is parley's control socket: the running parley listens on a
// Unix socket that only its user can open, and `parley send` and `parley
// status` talk to it, so that scripts and cron jobs post through the running
// session (the message shows in its window and history like a typed one).
//
// The protocol is ours and small: the client writes one request, a JSON
// object on one line, and the server answers with one reply line and closes
// the connection. A request names one of three operations and nothing
// else: send a message, set the presence, list the accounts. Requests are
// bounded (MaxRequest bytes, fields each bounded), unknown keys are refused.
package ctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Version is the protocol version in the "v" key of every request.
const Version = 1

// Operations.
const (
	OpSend     = "send"     // send Text to To from Account
	OpStatus   = "status"   // set the presence Show (with Text) of Account, or of every account
	OpAccounts = "accounts" // list the accounts with their state and presence
)

// Bounds of a request.
const (
	MaxRequest = 64 << 10 // bytes of one request line, newline included
	MaxText    = 32 << 10 // bytes of a message or status text
	MaxJID     = 3071     // bytes of a JID (RFC 7622: three parts of 1023)
	MaxReply   = 1 << 20  // bytes of one reply line, as the client reads it
	maxShow    = 16
)

// Request is one request line.
type Request struct {
	V       int    `json:"v"`
	Op      string `json:"op"`
	Account string `json:"account,omitempty"` // a JID or the start of one ("" for the only account, or every one for status)
	To      string `json:"to,omitempty"`      // OpSend: a JID or a roster name
	Show    string `json:"show,omitempty"`    // OpStatus: online, chat, away, xa, dnd
	Text    string `json:"text,omitempty"`    // OpSend: the message; OpStatus: the status text
}

// Reply is one reply line.
type Reply struct {
	OK       bool      `json:"ok"`
	Error    string    `json:"error,omitempty"`
	Note     string    `json:"note,omitempty"`     // what was done, for the user
	Pending  bool      `json:"pending,omitempty"`  // OpSend: offline, kept in the outbox and sent after the next login
	Accounts []Account `json:"accounts,omitempty"` // OpAccounts
}

// Account is one account in an OpAccounts reply.
type Account struct {
	JID    string `json:"jid"`
	State  string `json:"state"`            // online, connecting, reconnecting, offline, failed
	Show   string `json:"show,omitempty"`   // our presence as set: online, chat, away, xa, dnd
	Status string `json:"status,omitempty"` // its text
}

// ParseRequest parses and checks one request line (without its newline).
func ParseRequest(line []byte) (Request, error) {
	var r Request
	if len(line) >= MaxRequest {
		return Request{}, errors.New("request too long")
	}
	if !utf8.Valid(line) {
		return Request{}, errors.New("request is not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Request{}, fmt.Errorf("bad request: %v", err)
	}
	if dec.More() {
		return Request{}, errors.New("bad request: more than one object")
	}
	if err := r.check(); err != nil {
		return Request{}, err
	}
	return r, nil
}

// check validates a request's fields.
func (r Request) check() error {
	if r.V != Version {
		return fmt.Errorf("protocol version %d, want %d", r.V, Version)
	}
	switch {
	case len(r.Account) > MaxJID, len(r.To) > MaxJID:
		return errors.New("address too long")
	case len(r.Text) > MaxText:
		return fmt.Errorf("text longer than %d bytes", MaxText)
	case len(r.Show) > maxShow:
		return errors.New("bad show")
	}
	switch r.Op {
	case OpSend:
		if r.To == "" {
			return errors.New("send: no recipient")
		}
		if r.Text == "" || r.Show != "" {
			return errors.New("send: needs a text, and no show")
		}
	case OpStatus:
		if r.Show == "" || r.To != "" {
			return errors.New("status: needs a show, and no recipient")
		}
	case OpAccounts:
		if r.To != "" || r.Show != "" || r.Text != "" {
			return errors.New("accounts: takes only an account")
		}
	default:
		return fmt.Errorf("unknown operation %q", r.Op)
	}
	return nil
}

// encodeLine marshals v as one line, newline included.
func encodeLine(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil { // only strings, bools and slices of them: cannot happen
		b = []byte(`{"ok":false,"error":"internal: cannot encode"}`)
	}
	return append(b, '\n')
}
