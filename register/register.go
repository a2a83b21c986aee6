// Package register is in-band registration (XEP-0077, jabber:iq:register):
// the query that asks a server for its registration fields, the answer
// (legacy fields, a XEP-0004 data form, or a XEP-0066 out-of-band URL of a
// web page that registers instead), the submission, the password change and
// the removal of an account.
//
// Everything Parse reads comes from a server that may be hostile: it is
// bounded (fields, text, tokens) and the URL is checked; nothing is
// sanitized for a terminal here (values go back to the server exactly as
// they came), whoever draws a label, an instruction or the URL sanitizes it
// (see CleanURL for the URL).
//
// The usual round trip, on a fresh stream before authentication:
//
//	q, err := register.Parse(r, start) // the <query/> of the result of Get()
//	f := q.Fill()                       // the form to show: q.Form, or one built from the legacy fields
//	... the user fills f in ...
//	payload := q.Submission(f)          // the IQ set's payload
package register

import (
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"mellium.im/xmlstream"

	"parley/forms"
)

// Namespaces.
const (
	NS        = "jabber:iq:register"                     // the query
	NSFeature = "http://jabber.org/features/iq-register" // the stream feature (XEP-0077 §4)
	NSOOB     = "jabber:x:oob"                           // the out-of-band redirection (XEP-0066)
)

// Limits of what Parse keeps. Over a limit the rest is dropped, never an
// error (the form has its own, see package forms).
const (
	MaxFields = 32      // legacy fields kept
	MaxText   = 4 << 10 // bytes of the instructions, of a legacy value, of the OOB description
	MaxURL    = 2 << 10 // bytes of the OOB URL; a longer one is refused
	MaxTokens = 1 << 17 // XML tokens read before the rest is skipped unread
)

// Field is one legacy registration field (<username/>, <password/>, ...):
// its element name and, in an answer, the value the server filled in.
type Field struct {
	Name  string
	Value string
}

// Query is a server's answer to a registration get.
type Query struct {
	Instructions string
	// Registered: the server says we are registered already (an answer to
	// an authenticated account).
	Registered bool
	Fields     []Field     // legacy fields, in the server's order
	Form       *forms.Form // the XEP-0004 form, nil without one
	// URL is the out-of-band web page (XEP-0066) where registration is
	// done instead, "" without one; an URL that is not http, https or
	// xmpp, or is too long, is refused (BadURL says so).
	URL    string
	BadURL bool
	Cut    bool // the answer was bigger than the limits and lost something
}

// legacyLabels are the labels of the legacy fields of XEP-0077 §14.1.
var legacyLabels = map[string]string{
	"username": "Username", "nick": "Nickname", "password": "Password", "name": "Full name",
	"first": "Given name", "last": "Family name", "email": "Email", "address": "Street",
	"city": "City", "state": "State", "zip": "Postal code", "phone": "Telephone",
	"url": "Web page", "date": "Birth date", "misc": "Misc", "text": "Text", "key": "Key",
}

// Get returns an empty registration query, the payload of the IQ get that
// asks for the fields (or, on an authenticated stream, what is registered).
func Get() xml.TokenReader { return query(nil) }

// ChangePassword returns the payload of the IQ set that changes the
// password of the authenticated account user (XEP-0077 §3.3).
func ChangePassword(user, password string) xml.TokenReader {
	return query(xmlstream.MultiReader(elem("username", user), elem("password", password)))
}

// Remove returns the payload of the IQ set that deletes the authenticated
// account from the server (XEP-0077 §3.2).
func Remove() xml.TokenReader {
	return query(xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: NS, Local: "remove"}}))
}

// Fill returns the form the user fills in: a copy of the server's data
// form, or without one a form built from the legacy fields (username and
// password among them as text-private, each required, as XEP-0077 §3.1
// says of every field the server lists). The instructions come first.
func (q *Query) Fill() *forms.Form {
	if q.Form != nil {
		f := q.Form.Clone()
		f.Type = forms.TypeForm
		if len(f.Instructions) == 0 && q.Instructions != "" {
			f.Instructions = []string{q.Instructions}
		}
		return f
	}
	f := &forms.Form{Type: forms.TypeForm, Title: "Registration"}
	if q.Instructions != "" {
		f.Instructions = []string{q.Instructions}
	}
	for _, l := range q.Fields {
		fd := forms.Field{Var: l.Name, Type: forms.TextSingle, Label: legacyLabels[l.Name], Required: true}
		switch l.Name {
		case "password":
			fd.Type = forms.TextPrivate
		case "key": // a token the server wants back as it is
			fd.Type, fd.Required = forms.Hidden, false
		}
		if fd.Label == "" {
			fd.Label = l.Name
		}
		if l.Value != "" {
			fd.Values = []string{l.Value}
		}
		f.Fields = append(f.Fields, fd)
	}
	return f
}

// Submission returns the payload of the IQ set that registers with f (the
// form of Fill, filled in): the data form submitted when the server sent
// one, else the legacy fields with f's values.
func (q *Query) Submission(f *forms.Form) xml.TokenReader {
	if q.Form != nil {
		return query(f.Submit().TokenReader())
	}
	parts := make([]xml.TokenReader, 0, len(q.Fields))
	for _, l := range q.Fields {
		v := ""
		if fd := f.Field(l.Name); fd != nil {
			v = fd.Value()
		}
		parts = append(parts, elem(l.Name, v))
	}
	return query(xmlstream.MultiReader(parts...))
}

// Credentials returns the username and password of a filled-in form (the
// fields both the legacy query and the jabber:iq:register form type call
// username and password).
func Credentials(f *forms.Form) (user, password string) {
	if fd := f.Field("username"); fd != nil {
		user = fd.Value()
	}
	if fd := f.Field("password"); fd != nil {
		password = fd.Value()
	}
	return user, password
}

// WebOnly reports whether registration can only be done on the web page
// of URL: the answer has an URL and nothing to fill in.
func (q *Query) WebOnly() bool {
	if q.URL == "" && !q.BadURL {
		return false
	}
	if q.Form != nil {
		for _, fd := range q.Form.Fields {
			if fd.Editable() {
				return false
			}
		}
		return true
	}
	for _, l := range q.Fields {
		if l.Name != "key" {
			return false
		}
	}
	return true
}

// CAPTCHA reports whether the server's form asks for a CAPTCHA (XEP-0158),
// which parley cannot show: its form type is urn:xmpp:captcha or it has
// one of the challenge fields.
func (q *Query) CAPTCHA() bool {
	if q.Form == nil {
		return false
	}
	if q.Form.FormType() == "urn:xmpp:captcha" {
		return true
	}
	for _, fd := range q.Form.Fields {
		switch fd.Var {
		case "ocr", "qa", "audio_recog", "picture_recog", "speech_recog", "video_recog", "picture_q", "speech_q", "video_q", "captcha-fallback-url":
			return true
		}
	}
	return false
}

// ErrNotQuery is returned by Parse for an element that is not a
// jabber:iq:register query.
var ErrNotQuery = errors.New("register: not a jabber:iq:register <query/> element")

// Parse reads a registration answer: start is the <query
// xmlns="jabber:iq:register"> just read from r, and Parse consumes r up to
// and including its end. An error is returned only for a broken stream, an
// answer of more than MaxTokens tokens (ErrTooLarge), or when start is not a
// query; anything merely odd or too big is bounded.
func Parse(r xml.TokenReader, start xml.StartElement) (*Query, error) {
	if start.Name.Space != NS || start.Name.Local != "query" {
		return nil, ErrNotQuery
	}
	p := newReader(r)
	q := &Query{}
	for {
		tok, err := p.Token()
		if err == io.EOF {
			return q, nil
		}
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || p.Depth() != 1 {
			continue
		}
		switch {
		case se.Name.Space == forms.NS && se.Name.Local == "x" && q.Form == nil:
			q.Form, err = forms.Parse(p, se) // through p: the budget and depth go on counting
			if q.Form != nil && q.Form.Cut {
				q.Cut = true
			}
		case se.Name.Space == NSOOB && se.Name.Local == "x" && q.URL == "" && !q.BadURL:
			err = p.oob(q)
		case se.Name.Space != NS:
			err = p.Skip()
		case se.Name.Local == "instructions":
			q.Instructions, err = p.text(q)
		case se.Name.Local == "registered":
			q.Registered = true
			err = p.Skip()
		case se.Name.Local == "remove" || se.Name.Local == "x":
			err = p.Skip()
		case legacyLabels[se.Name.Local] != "":
			var v string
			v, err = p.text(q)
			if err == nil {
				q.addField(se.Name.Local, v)
			}
		default: // an element XEP-0077 does not name: not a field we can fill
			err = p.Skip()
		}
		if err != nil {
			return nil, err
		}
	}
}

// addField keeps a legacy field: the first of each name, up to MaxFields.
func (q *Query) addField(name, value string) {
	for _, f := range q.Fields {
		if f.Name == name {
			return
		}
	}
	if len(q.Fields) >= MaxFields {
		q.Cut = true
		return
	}
	q.Fields = append(q.Fields, Field{Name: name, Value: value})
}

// oob reads <x xmlns="jabber:x:oob"><url/><desc/></x>.
func (p *reader) oob(q *Query) error {
	level := p.Depth()
	for p.Depth() >= level {
		tok, err := p.Token()
		if err != nil {
			return err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || p.Depth() != level+1 {
			continue
		}
		if se.Name.Space != NSOOB || se.Name.Local != "url" || q.URL != "" || q.BadURL {
			if err := p.Skip(); err != nil {
				return err
			}
			continue
		}
		s, err := p.textLimit(MaxURL+1, q)
		if err != nil {
			return err
		}
		if u, ok := CleanURL(s); ok {
			q.URL = u
		} else {
			q.BadURL = true
		}
	}
	return nil
}

// CleanURL checks an URL from the network for showing it: http, https or
// xmpp, no longer than MaxURL bytes, no spaces or control characters, a
// host for http(s). It returns the URL as written (trimmed) and whether it
// passed.
func CleanURL(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > MaxURL || !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
	}) >= 0 {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" || u.User != nil {
			return "", false
		}
	case "xmpp":
	default:
		return "", false
	}
	return s, true
}

// query wraps children in <query xmlns="jabber:iq:register"/>.
func query(children xml.TokenReader) xml.TokenReader {
	return xmlstream.Wrap(children, xml.StartElement{Name: xml.Name{Space: NS, Local: "query"}})
}

func elem(local, text string) xml.TokenReader {
	return xmlstream.Wrap(xmlstream.Token(xml.CharData(text)), xml.StartElement{Name: xml.Name{Space: NS, Local: local}})
}
