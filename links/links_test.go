package links

import (
	"reflect"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"https://up.example/a/cat.jpg", []string{"https://up.example/a/cat.jpg"}},
		{"see https://x.example/a.", []string{"https://x.example/a"}},
		{"see (https://x.example/a).", []string{"https://x.example/a"}},
		{"wiki https://en.wikipedia.org/wiki/Foo_(bar) ok", []string{"https://en.wikipedia.org/wiki/Foo_(bar)"}},
		{"two: http://a.example, HTTPS://B.example/x?y=1#z!", []string{"http://a.example", "HTTPS://B.example/x?y=1#z"}},
		{"aesgcm://up.example/s/x.jpg#00ff", []string{"aesgcm://up.example/s/x.jpg#00ff"}},
		{"join xmpp:room@conference.example?join", []string{"xmpp:room@conference.example?join"}},
		{"<https://x.example/q>", []string{"https://x.example/q"}},
		{`"https://x.example/q"`, []string{"https://x.example/q"}},
		{"no: xhttps://x.example http:// https:///path file:///etc/passwd javascript:alert(1)", nil},
		{"a\x1b]8;;https://evil.example\x07b", []string{"https://evil.example"}},
		{"https://x.example/\x1b[2J", []string{"https://x.example/"}},
		{"https://x.example/é", []string{"https://x.example/"}},
		{"https://" + strings.Repeat("a", MaxURL), nil},
	} {
		if got := URLs(c.text); !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("URLs(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	if n := len(Find(strings.Repeat("https://a.example ", 200))); n != MaxLinks {
		t.Errorf("%d links kept, want %d", n, MaxLinks)
	}
}

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"https://x.example/a": true, "https://x.example/a b": false, "https://x.example/a.": false,
		"": false, "x https://x.example": false, "aesgcm://h/p#aa": true,
	} {
		if Valid(s) != want {
			t.Errorf("Valid(%q) = %t", s, !want)
		}
	}
}

func FuzzFind(f *testing.F) {
	for _, s := range []string{"see (https://x.example/a).", "http://", "xmpp:a@b?join", "https://a]b)c(", "\x1bhttps://x\x07", "ééhttp://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, sp := range Find(text) {
			if sp.Start < prev || sp.End <= sp.Start || sp.End > len(text) || sp.End-sp.Start > MaxURL {
				t.Fatalf("bad span %+v after %d in %q", sp, prev, text)
			}
			u := text[sp.Start:sp.End]
			for i := 0; i < len(u); i++ {
				if !urlByte(u[i]) {
					t.Fatalf("URL %q holds byte %#x", u, u[i])
				}
			}
			if !Valid(u) {
				t.Fatalf("found URL %q is not Valid", u)
			}
			prev = sp.End
		}
	})
}
