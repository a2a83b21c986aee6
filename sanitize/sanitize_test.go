package sanitize

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hello", "hello"},
		{"tab", "a\tb", "a b"},
		{"newlines", "a\nb\r\nc\rd", "a b c d"},
		{"sgr", "\x1b[31mred\x1b[0m", "red"},
		{"sgr params", "\x1b[38;2;1;2;3mx", "x"},
		{"osc bel", "\x1b]0;title\aafter", "after"},
		{"osc st", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"osc unterminated", "a\x1b]0;never ends", "a"},
		{"dcs", "\x1bPq#0;2;0;0;0\x1b\\z", "z"},
		{"two byte esc", "\x1bcreset\x1b(Bx", "resetx"},
		{"c1 csi", "\u009b31mred", "red"},
		{"c1 osc", "\u009d0;t\u009cok", "ok"},
		{"c0", "a\x00b\x07c\x08d", "abcd"},
		{"del and c1", "a\x7fb\u0085c\u0090", "ab c"},
		{"bidi override", "evil\u202egpj.exe", "evilgpj.exe"},
		{"isolates", "\u2066a\u2069\u200fb", "ab"},
		{"zero width space", "ad\u200bmin", "admin"},
		{"zwj emoji kept", "👩\u200d💻", "👩\u200d💻"},
		{"zwnj kept", "می\u200cخواهم", "می\u200cخواهم"},
		{"invalid utf8", "a\xffb", "a\ufffdb"},
		{"cjk", "漢字", "漢字"},
		{"tags are not touched", "[red]x[-]", "[red]x[-]"},
		{"zalgo capped", "e" + strings.Repeat("\u0301", 20), "e" + strings.Repeat("\u0301", MaxMarks)},
		{"esc at end", "x\x1b", "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.in); got != tc.want {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{""}},
		{"one", []string{"one"}},
		{"a\nb", []string{"a", "b"}},
		{"a\r\nb\rc\u2028d", []string{"a", "b", "c", "d"}},
		{"a\n\nb\n", []string{"a", "", "b", ""}},
		{"x\x1b[2Ky\n\x1b[1A", []string{"xy", ""}},
	}
	for _, tc := range tests {
		if got := Lines(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Lines(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTruncateWidth(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"漢字漢字", 5, "漢字…"},
		{"漢字漢字", 4, "漢…"},
		{"a👍b", 3, "a…"},
		{"a👍b", 4, "a👍b"},
		{"abc", 0, ""},
		{"abc", 1, "…"},
	}
	for _, tc := range tests {
		got := Truncate(tc.in, tc.width)
		if got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
		if Width(got) > tc.width {
			t.Errorf("Truncate(%q, %d) is %d cells wide", tc.in, tc.width, Width(got))
		}
	}
	if Width("👍") != 2 || Width("漢") != 2 || Width("●") != 1 {
		t.Errorf("width table: 👍=%d 漢=%d ●=%d", Width("👍"), Width("漢"), Width("●"))
	}
}

// printed draws text with tview's tag parser on a simulation screen and
// reads back the cells.
func printed(t testing.TB, text string) string {
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	defer s.Fini()
	const w = 400
	s.SetSize(w, 1)
	tview.Print(s, text, 0, 0, w, tview.AlignLeft, tcell.ColorWhite)
	var b strings.Builder
	for x := 0; x < w; {
		str, _, width := s.Get(x, 0)
		b.WriteString(str)
		x += width
	}
	// Escape's joiner after "[" clusters with the bracket: same cell.
	return strings.ReplaceAll(strings.TrimRight(b.String(), " "), "[\u200d", "[")
}

func TestEscapeThroughTview(t *testing.T) {
	for _, in := range []string{
		"[red]x[-]", "[::b]bold", `["region"]r[""]`, "[:::https://x]u[:::-]", "a[[b]]c", "[red[]", "\x1b[31m[blue]x", "[[:::x]]", "[a:b:c:d[[]", "[#fff]", "[\"\"]",
	} {
		want := strings.TrimRight(Text(in), " ")
		if got := printed(t, Escape(in)); got != want {
			t.Errorf("tview shows Escape(%q) as %q, want %q", in, got, want)
		}
	}
}

func checkSafe(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
	}
	for _, r := range out {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || dropped(r) {
			t.Fatalf("control %U left in %q (from %q)", r, out, in)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"hello", "\x1b[31mred", "\x1b]0;t\a", "[red]x[-]", "[::b]", "👩\u200d💻漢", "a\r\nb", "\u202e\u009b1m", "\xff\xfe", "e\u0301\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Text(in)
		checkSafe(t, in, out)
		if strings.ContainsAny(out, "\n\r\t") {
			t.Fatalf("line break in Text(%q)", in)
		}
		for _, l := range Lines(in) {
			checkSafe(t, in, l)
		}
		var slow strings.Builder
		clean(in, func(part string) { slow.WriteString(part) }, func() { slow.WriteByte(' ') })
		if out != slow.String() {
			t.Fatalf("Text(%q) = %q, the full walk gives %q", in, out, slow.String())
		}
		if Text(out) != out {
			t.Fatalf("Text not idempotent on %q", in)
		}
		esc := Escape(in)
		if tview.TaggedStringWidth(esc) != Width(out) {
			t.Fatalf("Escape(%q)=%q: tview sees a tag (width %d, want %d)", in, esc, tview.TaggedStringWidth(esc), Width(out))
		}
		for _, w := range []int{0, 1, 2, 7} {
			tr := Truncate(out, w)
			if Width(tr) > w || !strings.HasPrefix(out, strings.TrimSuffix(tr, "…")) {
				t.Fatalf("Truncate(%q, %d) = %q", out, w, tr)
			}
		}
	})
}
