package config

import (
	"maps"
	"testing"
)

func TestIndexLines(t *testing.T) {
	text := `# comment [[account]]
top = 1
"quoted key" = 'x'
dotted.key = { a = 1, b = [1,
  2] }
s = """
line = 3
[[account]]
"""
lit = '''
[ui]'''
arr = [
  "a", # comment ]
  { c = 1 },
]

[ui] # trailing
theme.error = "red"

[[account]]
jid = "a@b"

[ account . extra ]
k = "v"

[[account]]
jid = "c@d"
[[account.sub]]
x = 1
[[account.sub]]
x = 2
[ui.theme]
info = "gray"
`
	want := lineIndex{
		"top":                 2,
		`"quoted key"`:        3,
		"dotted":              4,
		"dotted.key":          4,
		"dotted.key.a":        4,
		"dotted.key.b":        4,
		"s":                   6,
		"lit":                 10,
		"arr":                 12,
		"arr.c":               14,
		"ui":                  17,
		"ui.theme":            18,
		"ui.theme.error":      18,
		"account":             20,
		"account[1]":          20,
		"account[1].jid":      21,
		"account[1].extra":    23,
		"account[1].extra.k":  24,
		"account[2]":          26,
		"account[2].jid":      27,
		"account[2].sub":      28,
		"account[2].sub[1]":   28,
		"account[2].sub[1].x": 29,
		"account[2].sub[2]":   30,
		"account[2].sub[2].x": 31,
		"ui.theme.info":       33,
	}
	got := indexLines(text)
	if !maps.Equal(got, want) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: line %d, want %d", k, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected key %s at line %d", k, v)
			}
		}
	}
	if n := got.line("account[2].jid.deeper"); n != 27 {
		t.Errorf("line of a key under account[2].jid = %d, want 27", n)
	}
	if n := got.line("account[3].jid"); n != 20 {
		t.Errorf("line of an absent element falls back to the table: %d, want 20", n)
	}
	if n := got.line("nothing"); n != 0 {
		t.Errorf("line of an unknown key = %d, want 0", n)
	}
}

func TestKeyPaths(t *testing.T) {
	tests := []struct{ key, parent, stripped string }{
		{"account[2].jid", "account[2]", "account.jid"},
		{"account[2]", "account", "account"},
		{"account", "", "account"},
		{`ui."a.b[1]"`, "ui", `ui."a.b[1]"`},
		{`ui."a\".b"`, "ui", `ui."a\".b"`},
	}
	for _, tt := range tests {
		if got := parentKey(tt.key); got != tt.parent {
			t.Errorf("parentKey(%s) = %s, want %s", tt.key, got, tt.parent)
		}
		if got := stripIndexes(tt.key); got != tt.stripped {
			t.Errorf("stripIndexes(%s) = %s, want %s", tt.key, got, tt.stripped)
		}
	}
}

// FuzzIndexLines checks that the scanner ends and never panics on any text.
func FuzzIndexLines(f *testing.F) {
	f.Add("[[account]]\njid = \"a@b\"\ns = \"\"\"\nx\n\"\"\"\n")
	f.Add("a = [ { b = '''\n''' }, \n")
	f.Add("[\"q\\\"\"]\n\"\n'''")
	f.Fuzz(func(t *testing.T, text string) {
		idx := indexLines(text)
		for k, n := range idx {
			if n < 1 {
				t.Fatalf("key %q at line %d", k, n)
			}
		}
	})
}
