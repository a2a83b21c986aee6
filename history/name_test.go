package history

import (
	"strings"
	"testing"
)

func TestEncodeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice@example.org", "alice@example.org"},
		{"Alice@example.org", "%41lice@example.org"},
		{"room@muc.example.org/Nick Name", "room@muc.example.org%2f%4eick%20%4eame"},
		{"room@muc.example.org/..", "room@muc.example.org%2f.."},
		{"..", "%2e."},
		{".hidden", "%2ehidden"},
		{"a~older", "a%7eolder"},
		{"100%", "100%25"},
		{"ünï", "%c3%bcn%c3%af"},
		{"a\x00b", "a%00b"},
	}
	for _, tt := range tests {
		got := EncodeName(tt.in)
		if got != tt.want {
			t.Errorf("EncodeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		back, ok := DecodeName(got)
		if !ok || back != tt.in {
			t.Errorf("DecodeName(%q) = %q, %v", got, back, ok)
		}
	}
}

func TestEncodeNameLong(t *testing.T) {
	a := "room@muc.example.org/" + strings.Repeat("N", 300)
	b := "room@muc.example.org/" + strings.Repeat("N", 299) + "M"
	ea, eb := EncodeName(a), EncodeName(b)
	if ea == eb {
		t.Fatal("long names collide")
	}
	for _, e := range []string{ea, eb} {
		if len(e)+len(olderSuffix) > 255 {
			t.Fatalf("name too long: %d", len(e))
		}
		if _, ok := DecodeName(e); ok {
			t.Fatalf("shortened name %q decodes", e)
		}
		checkSafe(t, e)
	}
}

func TestDecodeNameRejects(t *testing.T) {
	for _, n := range []string{"", ".lock", "A", "a%4", "a%zz", "a%61", "a%2E", "a/b", "a~1234", "a+b", "a%2e."} {
		if s, ok := DecodeName(n); ok && EncodeName(s) != n {
			t.Errorf("DecodeName(%q) = %q, which does not encode back", n, s)
		}
	}
}

// checkSafe: only lower-case letters, digits and - _ @ . % ~; no leading dot.
func checkSafe(t *testing.T, e string) {
	t.Helper()
	if e == "" || e[0] == '.' || strings.Contains(e, "/") || e != strings.ToLower(e) {
		t.Fatalf("unsafe name %q", e)
	}
	for _, c := range []byte(e) {
		if !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strings.IndexByte("-_@.%~", c) >= 0) {
			t.Fatalf("unsafe byte %q in %q", c, e)
		}
	}
}

// FuzzName: encoding is safe, round trips (or is a shortened name), and two
// different inputs never give the same name, even folded to lower case.
func FuzzName(f *testing.F) {
	f.Add("alice@example.org", "Alice@example.org")
	f.Add("room@x/..", "room@x/%2e.")
	f.Add(strings.Repeat("x", 250), strings.Repeat("x", 249)+"y")
	f.Fuzz(func(t *testing.T, a, b string) {
		if a == "" {
			return
		}
		ea := EncodeName(a)
		checkSafe(t, ea)
		if len(ea) > maxNameLen+17 {
			t.Fatalf("name too long: %d", len(ea))
		}
		if back, ok := DecodeName(ea); ok && back != a {
			t.Fatalf("round trip %q -> %q -> %q", a, ea, back)
		} else if !ok && !strings.Contains(ea, "~") {
			t.Fatalf("%q -> %q does not decode", a, ea)
		}
		if b != "" && b != a && strings.EqualFold(EncodeName(b), ea) {
			t.Fatalf("%q and %q both encode to %q", a, b, ea)
		}
	})
}
