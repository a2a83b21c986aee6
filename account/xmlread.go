package account

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"parley/payload"
)

// Size limits for untrusted stanza content. A stanza over a limit is not
// rejected: the text is cut and marked, and extra elements are ignored.
// Messages are read by package payload (its Decoder, with the same
// limits); the token budget here reads IQs, presences and rosters.
// The stream below is bounded too: a stanza over sm.MaxStanzaSize bytes or
// sm.MaxDepth levels is refused while it is read (the roster result alone
// may reach MaxRosterSize; archive pages come as one stanza per message).
const (
	// MaxBody is the largest message body kept, in bytes; longer bodies are
	// cut at a rune boundary and end with TruncatedMarker.
	MaxBody = payload.MaxBody
	// TruncatedMarker ends a body or status that was cut to its limit.
	TruncatedMarker = " [… truncated by parley]"

	maxShort   = 1 << 10   // ids, names, groups, nicks
	maxStatus  = 4 << 10   // presence status, error text, subject
	maxTokens  = 1 << 16   // tokens looked at in one stanza before giving up on its content
	maxGroups  = 64        // groups kept per roster item
	maxRoster  = 1 << 17   // roster items kept from one roster result
	maxErrText = maxStatus // text of a stanza error
)

// errTooLarge reports a stanza with more tokens than maxTokens; its content
// was drained but not interpreted.
var errTooLarge = errors.New("stanza too large")

// tokenBudget wraps a token reader, counting tokens and tracking depth so
// that a caller can always drain to the end of the element it was given.
type tokenBudget struct {
	r     xml.TokenReader
	n     int
	max   int // tokens allowed: 0 is maxTokens, negative no bound (the bytes are bounded below: sm)
	depth int // depth relative to the element whose start was consumed
}

// next returns the next token. It returns io.EOF after the end element that
// closes the outer element (depth going below zero) or when r ends.
func (b *tokenBudget) next() (xml.Token, error) {
	if b.depth < 0 {
		return nil, io.EOF
	}
	tok, err := b.r.Token()
	if tok == nil && err == nil {
		err = io.ErrNoProgress
	}
	if err != nil && tok == nil {
		return nil, err
	}
	b.n++
	switch tok.(type) {
	case xml.StartElement:
		b.depth++
	case xml.EndElement:
		b.depth--
	}
	if limit := b.max; (limit == 0 && b.n > maxTokens) || (limit > 0 && b.n > limit) {
		return tok, errTooLarge
	}
	return tok, nil
}

// drain consumes tokens until the outer element ends.
func (b *tokenBudget) drain() error {
	for b.depth >= 0 {
		tok, err := b.r.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			b.depth++
		case xml.EndElement:
			b.depth--
		case nil:
			return io.ErrNoProgress
		}
	}
	return nil
}

// text reads the character data of the element just started (at the current
// depth), ignoring nested elements, up to limit bytes. It consumes the
// element's end. cut reports that text was longer than limit.
func (b *tokenBudget) text(limit int) (s string, cut bool, err error) {
	var sb strings.Builder
	level := b.depth
	for b.depth >= level {
		tok, err := b.next()
		if err != nil {
			if err == io.EOF {
				break
			}
			return clip(sb.String(), limit), cut, err
		}
		if cd, ok := tok.(xml.CharData); ok && b.depth == level && !cut {
			if sb.Len()+len(cd) > limit+utf8.UTFMax {
				cd = cd[:limit+utf8.UTFMax-sb.Len()]
				cut = true
			}
			sb.Write(cd)
		}
	}
	s = sb.String()
	if len(s) > limit {
		cut = true
	}
	return clip(s, limit), cut, nil
}

// skip consumes the rest of the element just started.
func (b *tokenBudget) skip() error {
	level := b.depth
	for b.depth >= level {
		if _, err := b.next(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
	return nil
}

// clip cuts s to at most limit bytes on a rune boundary.
func clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	i := limit
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// attr returns the value of the attribute with the given local name and no
// namespace (or any namespace when the name is unique).
func attr(start xml.StartElement, local string) string {
	for _, a := range start.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// errorParts reads the children of a stanza <error/>, whose start was
// just consumed: its defined condition and its text (both bounded).
func (b *tokenBudget) errorParts() (cond, text string, err error) {
	const nsStanzas = "urn:ietf:params:xml:ns:xmpp-stanzas"
	level := b.depth
	for b.depth >= level {
		tok, nerr := b.next()
		if nerr == io.EOF {
			break
		}
		if nerr != nil {
			return cond, text, nerr
		}
		se, ok := tok.(xml.StartElement)
		if !ok || b.depth != level+1 {
			continue
		}
		switch {
		case se.Name.Space == nsStanzas && se.Name.Local == "text":
			t, _, terr := b.text(maxErrText)
			if terr != nil {
				return cond, text, terr
			}
			if text == "" {
				text = t
			}
		case se.Name.Space == nsStanzas && cond == "":
			cond = clip(se.Name.Local, maxShort)
			if serr := b.skip(); serr != nil {
				return cond, text, serr
			}
		default:
			if serr := b.skip(); serr != nil {
				return cond, text, serr
			}
		}
	}
	return cond, text, nil
}

// errorText turns the children of a stanza <error/> into one line:
// "condition: text" or "condition".
func (b *tokenBudget) errorText() (string, error) {
	cond, text, err := b.errorParts()
	return joinErr(cond, text), err
}

func joinErr(cond, text string) string {
	switch {
	case cond == "" && text == "":
		return "unknown error"
	case cond == "":
		return text
	case text == "":
		return strings.ReplaceAll(cond, "-", " ")
	}
	return strings.ReplaceAll(cond, "-", " ") + ": " + text
}
