package jidcache

import (
	"fmt"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
)

// TestParse gives the same answers as jid.Parse, cached or not.
func TestParse(t *testing.T) {
	var c Cache
	tests := []string{
		"bob@example.org/phone",
		"Bob@Example.ORG/phone",
		"room@conference.example.org/nick with space",
		"example.org",
		"@bad",
		"a@b@c",
		"",
		strings.Repeat("x", MaxKey+1) + "@example.org",
	}
	for round := 0; round < 3; round++ {
		for _, s := range tests {
			want, werr := jid.Parse(s)
			got, err := c.Parse(s)
			if (err == nil) != (werr == nil) || (err == nil && (got.String() != want.String() || !got.Equal(want))) {
				t.Errorf("round %d: Parse(%q) = %q, %v; want %q, %v", round, s, got, err, want, werr)
			}
		}
	}
	var nilCache *Cache
	if j, err := nilCache.Parse("a@b"); err != nil || j.String() != "a@b" {
		t.Errorf("nil cache: %v %v", j, err)
	}
}

// TestBounded: distinct addresses never grow the cache past two
// generations, and a recently used one survives a generation change.
func TestBounded(t *testing.T) {
	var c Cache
	const hot = "hot@example.org/r"
	for i := 0; i < 10*Size; i++ {
		if _, err := c.Parse(fmt.Sprintf("u%d@example.org", i)); err != nil {
			t.Fatal(err)
		}
		if i%100 == 0 {
			if _, err := c.Parse(hot); err != nil {
				t.Fatal(err)
			}
		}
		if n := c.Len(); n > 2*Size {
			t.Fatalf("after %d addresses the cache holds %d, bound %d", i+1, n, 2*Size)
		}
	}
	c.mu.Lock()
	_, inCur := c.cur[hot]
	_, inOld := c.old[hot]
	c.mu.Unlock()
	if !inCur && !inOld {
		t.Error("an address used every 100 parses was dropped")
	}
}

// BenchmarkHit is a repeated address (the flood case).
func BenchmarkHit(b *testing.B) {
	var c Cache
	b.ReportAllocs()
	for b.Loop() {
		c.Parse("bob@example.org/phone")
	}
}

// BenchmarkMiss is jid.Parse alone, for comparison.
func BenchmarkMiss(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		jid.Parse("bob@example.org/phone")
	}
}
