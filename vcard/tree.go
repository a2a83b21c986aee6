package vcard

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// Bounds on what is read of a vCard from the network.
const (
	// MaxText is the most bytes kept of one value (a name, an address
	// line); MaxNote of the note.
	MaxText = 1 << 10
	MaxNote = 4 << 10
	// MaxValues is how many emails, phones, URLs, addresses or JIDs are
	// kept.
	MaxValues = 16
	// MaxRaw is the most bytes of a vCard kept whole for an edit (a
	// read-modify-write keeps every property, shown or not). A larger one
	// (a vcard-temp with a big photo) is shown but not edited.
	MaxRaw = 512 << 10
	// maxTokens bounds the tokens read of one vCard: past it the rest is
	// drained unread and the card is marked cut and not editable.
	maxTokens = 1 << 15
	// maxNodes bounds the elements interpreted, maxDepth their nesting.
	maxNodes = 4096
	maxDepth = 6
)

// ErrTooLarge is returned by an edit of a card that was too large to be
// kept whole (MaxRaw): writing it back would lose what was not kept.
var ErrTooLarge = errors.New("the vCard is too large for parley to edit without losing part of it")

// node is one element of a vCard as interpreted: its name, attributes,
// the start of its own character data and the size of all of it.
type node struct {
	name  xml.Name
	text  string // own character data, at most maxNodeText bytes
	size  int    // bytes of its own character data that are not white space
	kids  []*node
	attrs []xml.Attr
}

// maxNodeText is the character data kept per element: enough for MaxNote
// and for the head of a data: URI.
const maxNodeText = MaxNote + utf8.UTFMax

// child returns the first child named local (case-insensitively when fold).
func (n *node) child(local string, fold bool) *node {
	for _, k := range n.kids {
		if k.name.Local == local || fold && strings.EqualFold(k.name.Local, local) {
			return k
		}
	}
	return nil
}

// childText is the trimmed text of the first child named local.
func (n *node) childText(local string, fold bool) string {
	if k := n.child(local, fold); k != nil {
		return strings.TrimSpace(k.text)
	}
	return ""
}

// prop is one top-level child of a vCard kept whole: its tokens, copied,
// start and end included, namespace declarations dropped (the encoder
// writes them again).
type prop struct {
	name xml.Name
	toks []xml.Token
}

// read reads the element whose start was consumed, to its end: the tree
// of its children (bounded), and its top-level children whole (raw), or
// raw nil and big true when they were over MaxRaw. cut reports that
// elements or text were left out of the tree.
type readResult struct {
	root node
	raw  []prop
	big  bool
	cut  bool
}

func read(start xml.StartElement, r xml.TokenReader) (readResult, error) {
	res := readResult{root: node{name: start.Name}}
	stack := []*node{&res.root}
	depth, tokens, nodes, rawBytes := 0, 0, 0, 0
	var cur *prop
	for {
		tok, err := r.Token()
		if tok == nil {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return res, err
		}
		tokens++
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 && !res.big {
				res.raw = append(res.raw, prop{name: t.Name})
				cur = &res.raw[len(res.raw)-1]
			}
			if len(stack) == depth && depth <= maxDepth && nodes < maxNodes {
				n := &node{name: t.Name, attrs: keepAttrs(t.Attr)}
				parent := stack[len(stack)-1]
				parent.kids = append(parent.kids, n)
				stack = append(stack, n)
				nodes++
			} else if len(stack) == depth {
				res.cut = true
			}
		case xml.EndElement:
			if len(stack) > depth {
				stack = stack[:depth]
			}
			depth--
			if depth < 0 {
				return res, nil
			}
		case xml.CharData:
			if len(stack) == depth+1 {
				n := stack[depth]
				n.size += nonSpace(t)
				if room := maxNodeText - len(n.text); room > 0 {
					n.text += string(t[:min(len(t), room)])
				}
			}
		}
		if tokens > maxTokens {
			res.cut, res.big, res.raw = true, true, nil
			return res, drain(r, depth)
		}
		_, isEnd := tok.(xml.EndElement)
		if cur != nil && !res.big && (depth >= 1 || isEnd && depth == 0) {
			if tok = cleanToken(tok); tok == nil {
				continue
			}
			rawBytes += tokenSize(tok)
			if rawBytes > MaxRaw {
				res.big, res.raw, cur = true, nil, nil
				continue
			}
			cur.toks = append(cur.toks, tok)
		}
	}
}

// drain reads to the end of the element at depth.
func drain(r xml.TokenReader, depth int) error {
	for depth >= 0 {
		tok, err := r.Token()
		if tok == nil {
			if err == nil || err == io.EOF {
				return nil
			}
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// keepAttrs keeps the few attributes interpreted, bounded.
func keepAttrs(as []xml.Attr) []xml.Attr {
	var out []xml.Attr
	for _, a := range as {
		if a.Name.Space == "" && a.Name.Local != "xmlns" && len(out) < 4 && len(a.Value) <= MaxText {
			out = append(out, a)
		}
	}
	return out
}

// cleanToken copies tok, leaving out namespace declarations (the names
// carry their namespace; the encoder declares it again).
func cleanToken(tok xml.Token) xml.Token {
	switch t := tok.(type) {
	case xml.StartElement:
		s := xml.StartElement{Name: t.Name}
		for _, a := range t.Attr {
			if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
				continue
			}
			s.Attr = append(s.Attr, a)
		}
		return s
	case xml.EndElement:
		return t
	case xml.CharData:
		return t.Copy()
	}
	return nil // comments, processing instructions: dropped by cleanup
}

// tokenSize estimates the memory of a token.
func tokenSize(tok xml.Token) int {
	switch t := tok.(type) {
	case xml.StartElement:
		n := 48 + len(t.Name.Space) + len(t.Name.Local)
		for _, a := range t.Attr {
			n += 48 + len(a.Name.Space) + len(a.Name.Local) + len(a.Value)
		}
		return n
	case xml.EndElement:
		return 32 + len(t.Name.Space) + len(t.Name.Local)
	case xml.CharData:
		return 24 + len(t)
	}
	return 16
}

// nonSpace counts the bytes of b that are not XML white space.
func nonSpace(b []byte) int {
	n := 0
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			n++
		}
	}
	return n
}

// clip cuts s to at most limit bytes on a rune boundary, trimmed.
func clip(s string, limit int) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) <= limit {
		return s, false
	}
	i := limit
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i], true
}
