// Package forms reads and writes XEP-0004 data forms (jabber:x:data): the
// forms that ad-hoc commands, room configuration and in-band registration
// send, and the submissions that answer them.
//
// A Form comes from the network, so Parse bounds everything it keeps
// (fields, options, values, text, result rows, tokens) and never fails on a
// form that is merely odd: an unknown field type reads as text-single (as
// XEP-0004 says), a duplicated var keeps its first field, text over a limit
// is cut at a rune boundary. Nothing is sanitized here: values must go back
// to the server exactly as they came; whoever draws a label sanitizes it.
//
// The usual round trip:
//
//	f, err := forms.Parse(r, start) // the <x xmlns="jabber:x:data"> just read
//	f.Field("muc#roomconfig_roomname").SetText("Lounge")
//	if probs := f.Validate(); len(probs) > 0 { ... }
//	payload := f.Submit().TokenReader()
package forms

import (
	"parley/internal/xmlbound"
	"strings"

	"mellium.im/xmpp/jid"
)

// NS is the data forms namespace.
const NS = "jabber:x:data"

// Form types (the type attribute of <x/>).
const (
	TypeForm   = "form"   // a form to fill in
	TypeSubmit = "submit" // a filled-in form
	TypeCancel = "cancel" // the form was not filled in
	TypeResult = "result" // data returned (read-only)
)

// Field types (XEP-0004 §3.3).
const (
	Boolean     = "boolean"
	Fixed       = "fixed"
	Hidden      = "hidden"
	JIDMulti    = "jid-multi"
	JIDSingle   = "jid-single"
	ListMulti   = "list-multi"
	ListSingle  = "list-single"
	TextMulti   = "text-multi"
	TextPrivate = "text-private"
	TextSingle  = "text-single"
)

// Form is one data form.
type Form struct {
	Type         string   // TypeForm, TypeSubmit, TypeCancel or TypeResult
	Title        string   // may be empty
	Instructions []string // paragraphs, may be empty
	Fields       []Field
	// Reported and Items are a result table (XEP-0004 §3.4): the columns,
	// then one row of fields per item, each bounded like Fields.
	Reported []Field
	Items    [][]Field
	// Cut reports that the form was bigger than the limits and lost
	// fields, options, values, rows or text.
	Cut bool
}

// Field is one field of a form.
type Field struct {
	Var      string // empty only for fixed fields
	Type     string // one of the field types; never empty after Parse
	Label    string
	Desc     string
	Required bool
	Values   []string
	Options  []Option // for list-single and list-multi
}

// Option is one choice of a list field.
type Option struct {
	Label string // may be empty: show the value
	Value string
}

// Field returns the field named v, or nil.
func (f *Form) Field(v string) *Field {
	for i := range f.Fields {
		if f.Fields[i].Var == v && v != "" {
			return &f.Fields[i]
		}
	}
	return nil
}

// FormType returns the value of the hidden FORM_TYPE field (XEP-0068), ""
// without one.
func (f *Form) FormType() string {
	if fd := f.Field("FORM_TYPE"); fd != nil {
		return fd.Value()
	}
	return ""
}

// Editable reports whether the user can change the field: not fixed, not
// hidden, and the form is one to fill in.
func (fd *Field) Editable() bool { return fd.Type != Fixed && fd.Type != Hidden }

// Multi reports whether the field holds several values (one per line when
// shown as text).
func (fd *Field) Multi() bool {
	return fd.Type == TextMulti || fd.Type == JIDMulti || fd.Type == ListMulti
}

// Value returns the first value, "" without one.
func (fd *Field) Value() string {
	if len(fd.Values) == 0 {
		return ""
	}
	return fd.Values[0]
}

// Text returns the values as one text, one value per line.
func (fd *Field) Text() string { return strings.Join(fd.Values, "\n") }

// SetText sets the values from a text: of a multi-valued field one value
// per line (for jid-multi, blank lines and surrounding spaces dropped), of
// any other field the text as its one value (none when empty).
func (fd *Field) SetText(s string) {
	switch {
	case fd.Type == JIDMulti:
		fd.Values = fd.Values[:0]
		for _, l := range strings.Fields(s) {
			fd.Values = append(fd.Values, l)
		}
	case fd.Multi():
		fd.Values = strings.Split(s, "\n")
		if s == "" {
			fd.Values = nil
		}
	case s == "":
		fd.Values = nil
	default:
		fd.Values = []string{s}
	}
}

// Bool returns the value of a boolean field ("1" or "true"; absent is
// false).
func (fd *Field) Bool() bool {
	v := fd.Value()
	return v == "1" || v == "true"
}

// SetBool sets a boolean field.
func (fd *Field) SetBool(b bool) {
	if b {
		fd.Values = []string{"1"}
	} else {
		fd.Values = []string{"0"}
	}
}

// Selected reports whether value is among the field's values.
func (fd *Field) Selected(value string) bool {
	for _, v := range fd.Values {
		if v == value {
			return true
		}
	}
	return false
}

// Toggle selects value in a list-multi field, or unselects it when it was
// selected; in a list-single field it makes value the one selected.
func (fd *Field) Toggle(value string) {
	if fd.Type != ListMulti {
		fd.Values = []string{value}
		return
	}
	for i, v := range fd.Values {
		if v == value {
			fd.Values = append(fd.Values[:i:i], fd.Values[i+1:]...)
			return
		}
	}
	fd.Values = append(fd.Values, value)
}

// OptionLabel returns the label of the option with value, else value.
func (fd *Field) OptionLabel(value string) string {
	for _, o := range fd.Options {
		if o.Value == value && o.Label != "" {
			return o.Label
		}
	}
	return value
}

// Problem is a field that does not validate.
type Problem struct {
	Index int    // in Form.Fields
	Var   string // the field's var
	Text  string // what is wrong, in plain words
}

// Validate checks the fields a user fills in: required fields have a value,
// booleans are booleans, single-valued fields have one value (text on one
// line), JIDs parse, list values are among the options. It returns the
// problems in field order, none for a valid form.
func (f *Form) Validate() []Problem {
	var out []Problem
	for i := range f.Fields {
		if msg := f.Fields[i].check(); msg != "" {
			out = append(out, Problem{Index: i, Var: f.Fields[i].Var, Text: msg})
		}
	}
	return out
}

// check returns what is wrong with fd, "" when nothing.
func (fd *Field) check() string {
	if !fd.Editable() {
		return ""
	}
	empty := true
	for _, v := range fd.Values {
		if strings.TrimSpace(v) != "" {
			empty = false
		}
	}
	if empty {
		if fd.Required {
			return "required"
		}
		return ""
	}
	if !fd.Multi() && len(fd.Values) > 1 {
		return "takes one value"
	}
	switch fd.Type {
	case Boolean:
		if v := fd.Value(); v != "0" && v != "1" && v != "true" && v != "false" {
			return "must be yes or no"
		}
	case TextSingle, TextPrivate:
		if strings.ContainsAny(fd.Value(), "\r\n") {
			return "must be one line"
		}
	case JIDSingle, JIDMulti:
		for _, v := range fd.Values {
			if _, err := jid.Parse(v); err != nil || strings.TrimSpace(v) != v {
				return "not a valid address: " + xmlbound.Clip(v, 64)
			}
		}
	case ListSingle, ListMulti:
		if len(fd.Options) == 0 {
			return ""
		}
		for _, v := range fd.Values {
			if !fd.hasOption(v) {
				return "not one of the choices: " + xmlbound.Clip(v, 64)
			}
		}
	}
	return ""
}

func (fd *Field) hasOption(v string) bool {
	for _, o := range fd.Options {
		if o.Value == v {
			return true
		}
	}
	return false
}

// Submit returns the form filled in as it is now, ready to send: type
// submit, every field with a var but the fixed ones, with its values and
// type (labels, descriptions and options are left out).
func (f *Form) Submit() *Form {
	out := &Form{Type: TypeSubmit}
	for _, fd := range f.Fields {
		if fd.Var == "" || fd.Type == Fixed {
			continue
		}
		out.Fields = append(out.Fields, Field{Var: fd.Var, Type: fd.Type, Values: append([]string(nil), fd.Values...)})
	}
	return out
}

// Clone returns a deep copy of f.
func (f *Form) Clone() *Form {
	out := *f
	out.Instructions = append([]string(nil), f.Instructions...)
	out.Fields = cloneFields(f.Fields)
	out.Reported = cloneFields(f.Reported)
	out.Items = make([][]Field, len(f.Items))
	for i, it := range f.Items {
		out.Items[i] = cloneFields(it)
	}
	if f.Items == nil {
		out.Items = nil
	}
	return &out
}

func cloneFields(in []Field) []Field {
	if in == nil {
		return nil
	}
	out := make([]Field, len(in))
	for i, fd := range in {
		fd.Values = append([]string(nil), fd.Values...)
		fd.Options = append([]Option(nil), fd.Options...)
		out[i] = fd
	}
	return out
}
