package styling

import (
	"strconv"
	"strings"
	"testing"
)

// show writes spans compactly: plain text as is, styled text as
// {flags:text} with S strong, E emph, X strike, C code, P pre, D directive
// and the quote depth as a digit.
func show(text string, spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		t := text[s.Start:s.End]
		if s.Style == 0 && s.Quote == 0 {
			b.WriteString(t)
			continue
		}
		b.WriteByte('{')
		for _, f := range []struct {
			st Style
			c  byte
		}{{Strong, 'S'}, {Emph, 'E'}, {Strike, 'X'}, {Code, 'C'}, {Pre, 'P'}, {Directive, 'D'}} {
			if s.Style&f.st != 0 {
				b.WriteByte(f.c)
			}
		}
		if s.Quote > 0 {
			b.WriteString(strconv.Itoa(int(s.Quote)))
		}
		b.WriteString(":" + t + "}")
	}
	return b.String()
}

func TestParse(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		// The XEP's span examples.
		{"*strong*", "{SD:*}{S:strong}{SD:*}"},
		{"plain *strong* plain", "plain {SD:*}{S:strong}{SD:*} plain"},
		{"*strong* plain *strong*", "{SD:*}{S:strong}{SD:*} plain {SD:*}{S:strong}{SD:*}"},
		{"*strong*plain*", "{SD:*}{S:strong}{SD:*}plain*"},
		{"* plain *strong*", "* plain {SD:*}{S:strong}{SD:*}"},
		{"not strong*", "not strong*"},
		{"*not strong", "*not strong"},
		{"*not \n strong*", "*not \n strong*"},
		{"*not *strong", "*not *strong"},
		{"**", "**"},
		{"****", "****"},
		{"_emph_ ~strike~ `code`", "{ED:_}{E:emph}{ED:_} {XD:~}{X:strike}{XD:~} {CD:`}{C:code}{CD:`}"},
		{"_emphasized span containing *strong span*_", "{ED:_}{E:emphasized span containing }{SED:*}{SE:strong span}{SED:*}{ED:_}"},
		{"This is `*monospace*`", "This is {CD:`}{C:*monospace*}{CD:`}"},
		{"This is *`monospace and bold`*", "This is {SD:*}{SCD:`}{SC:monospace and bold}{SCD:`}{SD:*}"},
		{"Everyone ~dis~likes cake.", "Everyone {XD:~}{X:dis}{XD:~}likes cake."},
		{"a*b*c", "a*b*c"},
		{"*a**b*", "{SD:*}{S:a}{SD:**}{S:b}{SD:*}"},
		{"**bold**", "**bold**"},
		{"*0 _0_", "*0 {ED:_}{E:0}{ED:_}"},
		{"snake_case_name", "snake_case_name"},
		{"2 * 3 * 4", "2 * 3 * 4"},
		{"*a _b* c_", "{SD:*}{S:a _b}{SD:*} c_"},
		{"\u00a0*nbsp*", "\u00a0{SD:*}{S:nbsp}{SD:*}"},
		{"*ü*\n*ß*", "{SD:*}{S:ü}{SD:*}\n{SD:*}{S:ß}{SD:*}"},
		// Preformatted blocks.
		{"```ignored\n(println \"Hello, world!\")\n```\n\nmonospace ⤴", "{PD:```ignored}{P:\n(println \"Hello, world!\")\n}{PD:```}{P:\n}\nmonospace ⤴"},
		{"```\n*not styled*\n", "{PD:```}{P:\n*not styled*\n}"},
		{"```\nopen to the end", "{PD:```}{P:\nopen to the end}"},
		{"x ```\ny", "x ```\ny"},
		{"```\r\ncode\r\n```\r\n*b*", "{PD:```}{P:\r\ncode\r\n}{PD:```}{P:\r\n}{SD:*}{S:b}{SD:*}"},
		// Quotes.
		{"> That that is, is.\n\nSaid the old hermit of Prague.", "{D1:> }{1:That that is, is.\n}\nSaid the old hermit of Prague."},
		{">> That that is, is.\n> Said the old hermit of Prague.\n\nWho?", "{D1:>}{D2:> }{2:That that is, is.\n}{D1:> }{1:Said the old hermit of Prague.\n}\nWho?"},
		{"> *bold* in quote", "{D1:> }{SD1:*}{S1:bold}{SD1:*}{1: in quote}"},
		{">no space", "{D1:>}{1:no space}"},
		{">  two spaces", "{D1:> }{1: two spaces}"},
		{"> ```\n> (println \"Hello, world!\")\n\nThe entire blockquote is a preformatted text block, but this line\nis plaintext!",
			"{D1:> }{PD1:```}{P1:\n}{D1:> }{P1:(println \"Hello, world!\")\n}\nThe entire blockquote is a preformatted text block, but this line\nis plaintext!"},
		{"> ```\n> code\n> ```\n> *b*", "{D1:> }{PD1:```}{P1:\n}{D1:> }{P1:code\n}{D1:> }{PD1:```}{P1:\n}{D1:> }{SD1:*}{S1:b}{SD1:*}"},
		{"a > b", "a > b"},
		{">", "{D1:>}"},
	}
	for _, tt := range tests {
		spans := Parse(tt.in)
		if got := show(tt.in, spans); got != tt.want {
			t.Errorf("Parse(%q)\n got %s\nwant %s", tt.in, got, tt.want)
		}
		checkCover(t, tt.in, spans)
	}
}

// checkCover checks that spans are ordered, contiguous, non-empty and
// cover text.
func checkCover(t *testing.T, text string, spans []Span) {
	t.Helper()
	pos := 0
	for _, s := range spans {
		if s.Start != pos || s.End <= s.Start || s.End > len(text) || s.Quote > MaxQuoteDepth {
			t.Fatalf("Parse(%q): bad span %+v at %d in %+v", text, s, pos, spans)
		}
		pos = s.End
	}
	if pos != len(text) {
		t.Fatalf("Parse(%q): spans end at %d of %d", text, pos, len(text))
	}
}

func TestQuoteDepthBound(t *testing.T) {
	in := strings.Repeat(">", 100) + " deep"
	spans := Parse(in)
	checkCover(t, in, spans)
	if last := spans[len(spans)-1]; last.Quote != MaxQuoteDepth {
		t.Errorf("depth %d", last.Quote)
	}
}

func TestAppendSpansReuses(t *testing.T) {
	buf := make([]Span, 0, 16)
	a := AppendSpans(buf, "*a*")
	b := AppendSpans(a[:0], "_b_ c")
	if &a[0] != &b[0] || show("_b_ c", b) != "{ED:_}{E:b}{ED:_} c" {
		t.Errorf("AppendSpans did not reuse: %s", show("_b_ c", b))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"*strong* _e_ ~s~ `c`", "> q\n>> qq\n```\npre\n```", "*a _b* c_", "```x\r\n*\r\n```", "* * * *", "_`*~", "> ```\n> x\n\ny"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkCover(t, s, Parse(s))
	})
}

// BenchmarkParse styles a typical chat line.
func BenchmarkParse(b *testing.B) {
	const s = "> did you see *this*?\nyes, `make test` is _finally_ green ~again~"
	buf := make([]Span, 0, 32)
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = AppendSpans(buf[:0], s)
	}
}

// BenchmarkParseHostile styles a 64 KiB line of would-be openers that never
// close: linear, not quadratic.
func BenchmarkParseHostile(b *testing.B) {
	s := strings.Repeat("*a _b ~c `d ", 64<<10/12)
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Parse(s)
	}
}
