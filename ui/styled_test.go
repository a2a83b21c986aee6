package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"

	"parley/history"
	"parley/sanitize"
)

// styledBody shows every XEP-0393 style, each on its own line.
const styledBody = "*bold* _italic_ ~strike~ `code` plain\n" +
	"> quoted *strong*\n" +
	"```\n" +
	"pre *not bold*\n" +
	"```\n" +
	"after*not*styled"

// attrs dumps rows of the screen: the text, then per cell a letter naming
// its attributes and colour (the legend follows).
func (h *harness) attrs(rows ...int) string {
	var b strings.Builder
	legend := map[string]byte{}
	var order []string
	h.u.app.QueueUpdate(func() {
		w, _ := h.scr.Size()
		for _, y := range rows {
			var line, codes strings.Builder
			for x := 0; x < w; {
				s, st, width := h.scr.Get(x, y)
				k := attrName(st)
				c, ok := legend[k]
				if !ok {
					c = byte('a' + len(order))
					legend[k] = c
					order = append(order, k)
				}
				line.WriteString(s)
				codes.WriteString(strings.Repeat(string(c), max(width, 1)))
				x += max(width, 1)
			}
			fmt.Fprintf(&b, "%2d text  %s\n%2d attr  %s\n", y, strings.TrimRight(line.String(), " "), y, codes.String())
		}
	})
	for i, k := range order {
		fmt.Fprintf(&b, "%c = %s\n", 'a'+i, k)
	}
	return b.String()
}

func attrName(st tcell.Style) string {
	fg, _, a := st.Decompose()
	var parts []string
	for _, n := range []struct {
		m    tcell.AttrMask
		name string
	}{{tcell.AttrBold, "bold"}, {tcell.AttrItalic, "italic"}, {tcell.AttrStrikeThrough, "strike"}, {tcell.AttrDim, "dim"}, {tcell.AttrReverse, "reverse"}, {tcell.AttrUnderline, "underline"}} {
		if a&n.m != 0 {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "plain")
	}
	return colorName(fg) + " " + strings.Join(parts, "+")
}

// TestStyledScreen is the golden screen of a message using every style:
// attributes drawn cell by cell, the directive characters kept and dimmed,
// the text the same as unstyled.
func TestStyledScreen(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 10, f)
	h.post(msgIn(f, "alice@example.org/laptop", styledBody, t0))
	h.sync(func() { h.u.runCommand(h.u.curWin(), "msg alice@example.org") })
	h.screenHas("after*not*styled")
	golden(t, "styled", h.attrs(1, 2, 3, 4, 5, 6))
}

// TestStylingOff: with [ui] styling = false, and for a message whose sender
// asked for no styling (<unstyled/>), live or stored, the body is drawn
// plain: the same
// cells and attributes as a body without directives.
func TestStylingOff(t *testing.T) {
	const w = 100
	for _, tc := range []struct {
		name      string
		noStyling bool
		unstyled  bool
		stored    bool // read from the history, not live
	}{
		{"config", true, false, false},
		{"unstyled", false, true, false},
		{"stored unstyled", false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake("me@example.org")
			var h *harness
			if tc.stored {
				s := openStore(t)
				if _, err := s.Append("me@example.org", "alice@example.org", history.Record{Time: t0, Dir: history.In,
					From: "alice@example.org/laptop", Type: "chat", Body: styledBody, Unstyled: true}); err != nil {
					t.Fatal(err)
				}
				h = startHistUI(t, w, 10, s, f)
			} else {
				h = startUIPrep(t, w, 10, func(u *UI) { u.opts.NoStyling = tc.noStyling }, f)
				ev := msgIn(f, "alice@example.org/laptop", styledBody, t0)
				ev.Msg.Unstyled = tc.unstyled
				h.post(ev)
			}
			h.sync(func() { h.u.runCommand(h.u.curWin(), "msg alice@example.org") })
			h.screenHas("after*not*styled")
			h.sync(func() {
				if e := h.u.curWin().buf.at(0); e.spans != nil {
					t.Errorf("spans %v, want none", e.spans)
				}
			})
			got := h.attrs(2, 3, 4, 5, 6) // the rows after the first hold only the body
			for _, l := range strings.Split(got, "\n") {
				if !strings.Contains(l, " = ") {
					continue // a row, not the legend
				}
				for _, bad := range []string{"bold", "italic", "strike", "dim"} {
					if strings.Contains(l, bad) {
						t.Errorf("drawn with %s:\n%s", bad, got)
					}
				}
			}
			h.sync(func() {
				for x := 26 + len("09:00 alice@example.org: "); x < w; x++ {
					if _, st, _ := h.scr.Get(x, 1); st != tcell.StyleDefault {
						t.Errorf("row 1 column %d drawn in %s", x, attrName(st))
					}
				}
			})
		})
	}
}

// drawEntry draws e on a w×rows simulation screen, styled or plain, and
// returns the cells' text, row by row.
func drawEntry(c *convoView, scr tcell.SimulationScreen, e *entry, w int) []string {
	rows := e.wrapped(w)
	scr.Clear()
	for i, r := range rows {
		c.drawRow(scr, 0, i, w, visible{e, r})
	}
	out := make([]string, len(rows))
	for y := range rows {
		var b strings.Builder
		for x := 0; x < w; {
			s, _, cw := scr.Get(x, y)
			b.WriteString(s)
			x += max(cw, 1)
		}
		out[y] = b.String()
	}
	return out
}

// FuzzStyledLine: whatever the body, the styled line builder does not
// panic, its spans stay in the body and in order, and the styled line is
// drawn with exactly the cells of the plain one.
func FuzzStyledLine(f *testing.F) {
	for _, s := range []string{
		styledBody, "*a**b*", "> > ```\n> > x", "_*~`x`~*_", "*\u0301*", "a\r\n*b*\r\n", "```", "> ", "*日本*語",
		"\u202e*x*", "\x1b[31m*red*", "*a\nb*", strings.Repeat("> ", 40) + "*x*", "~~~", "`*` *`*",
	} {
		f.Add(s, 13)
	}
	scr := tcell.NewSimulationScreen("UTF-8")
	if err := scr.Init(); err != nil {
		f.Fatal(err)
	}
	scr.SetSize(200, 400)
	c := &convoView{u: &UI{theme: DefaultTheme()}}
	f.Fuzz(func(t *testing.T, body string, width int) {
		if len(body) > 2000 {
			body = body[:2000]
		}
		w := 8 + (width%64+64)%64
		lines := sanitize.Lines(body)
		styled := composeEntry(t0, "15:04", lineMsg, "alice", lines)
		styled.spans = bodySpans(styled.text, styled.bodyStart, len(styled.text))
		last := styled.bodyStart
		for _, s := range styled.spans {
			if s.Start < last || s.End <= s.Start || s.End > len(styled.text) {
				t.Fatalf("span %+v out of order or range (after %d, text %d)", s, last, len(styled.text))
			}
			last = s.End
		}
		plain := composeEntry(t0, "15:04", lineMsg, "alice", lines)
		if uniseg.StringWidth(styled.text) != uniseg.StringWidth(plain.text) {
			t.Fatal("styling changed the width")
		}
		a, b := drawEntry(c, scr, styled, w), drawEntry(c, scr, plain, w)
		if strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Fatalf("styled cells differ from plain:\n%q\n%q", a, b)
		}
	})
}

// BenchmarkMessageEntry is the cost of making a message's line (what every
// message arriving or read from the history pays): a plain body, a styled
// one, and the styled one with styling off.
func BenchmarkMessageEntry(b *testing.B) {
	const plain = "a plain line of chat of a usual length, nothing styled in it at all"
	const styled = "a *styled* line of chat with _some_ ~marks~ and `code` in it, usual length"
	for _, bc := range []struct {
		name string
		body string
		off  bool
	}{{"plain", plain, false}, {"styled", styled, false}, {"styled-off", styled, true}} {
		b.Run(bc.name, func(b *testing.B) {
			h := startUIPrep(b, 100, 10, func(u *UI) { u.opts.NoStyling = bc.off }, newFake("me@example.org"))
			v := msgView{t: t0, body: bc.body, nick: "alice"}
			h.sync(func() {
				w := h.u.curWin()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					_ = h.u.messageEntry(w, v)
				}
			})
		})
	}
}
