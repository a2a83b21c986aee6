package ui

import (
	"slices"
	"sort"
	"strings"

	"github.com/gdamore/tcell/v2"

	"parley/styling"
)

// Message styling (XEP-0393) is drawn from spans of the entry's text, never
// by rewriting it: the text, its wrapping and its cell widths are the same
// styled or plain, and the directive characters stay (dimmed), so a copied
// message keeps them.

// bodySpans returns the styling spans of text[from:to] (sanitized message
// lines), with offsets into text; nil when nothing in it is styled, so that
// a plain message costs nothing.
func bodySpans(text string, from, to int) []styling.Span {
	if from >= to || from < 0 || to > len(text) || !strings.ContainsAny(text[from:to], "*_~`>") {
		return nil // no directive: nothing to parse
	}
	spans := styling.Parse(text[from:to])
	styled := false
	for _, s := range spans {
		if s.Style != 0 || s.Quote != 0 {
			styled = true
			break
		}
	}
	if !styled {
		return nil
	}
	out := spans[:0]
	for _, s := range spans {
		if s.Style == 0 && s.Quote == 0 {
			continue // plain: drawn in the line's own style
		}
		s.Start += from
		s.End += from
		out = append(out, s)
	}
	return slices.Clip(slices.Clone(out)) // held as long as the line: exactly its size
}

// spanAt returns the index of the first span of spans that ends after pos.
func spanAt(spans []styling.Span, pos int) int {
	return sort.Search(len(spans), func(i int) bool { return spans[i].End > pos })
}

// styled applies a span's styling to st: strong bold, emphasis italic,
// strike through, code and preformatted blocks in the theme's Header
// colour, block quotes in its Info colour, directive characters dimmed.
func (t Theme) styled(st tcell.Style, sp styling.Span) tcell.Style {
	s := sp.Style
	if sp.Quote > 0 {
		st = st.Foreground(t.Info)
	}
	if s&(styling.Code|styling.Pre) != 0 {
		st = st.Foreground(t.Header)
	}
	if s&styling.Strong != 0 {
		st = st.Bold(true)
	}
	if s&styling.Emph != 0 {
		st = st.Italic(true)
	}
	if s&styling.Strike != 0 {
		st = st.StrikeThrough(true)
	}
	if s&styling.Directive != 0 {
		st = st.Dim(true)
	}
	return st
}
