package fuzzy

import (
	"sort"
	"strings"
	"testing"
)

func TestScoreMatches(t *testing.T) {
	tests := []struct {
		query, name string
		ok          bool
	}{
		{"", "anything", true},
		{"ali", "Alice", true},
		{"ALI", "alice@example.org", true},
		{"aex", "alice@example.org", true},
		{"ila", "Alice", false},
		{"alice2", "Alice", false},
		{"édi", "Édith", true},
		{"x", "", false},
		{"\xff", "a\xffb", true},
	}
	for _, tt := range tests {
		if _, ok := Score(tt.query, tt.name); ok != tt.ok {
			t.Errorf("Score(%q, %q) matched %v, want %v", tt.query, tt.name, ok, tt.ok)
		}
	}
}

// TestScoreOrder checks the ranking of names for a query: the start of the
// name, then the start of a word, then a run, before scattered letters.
func TestScoreOrder(t *testing.T) {
	tests := []struct {
		query string
		names []string // best first
	}{
		{"ali", []string{"Alice", "Bob Alison", "a long island", "natalie"}},
		{"dev", []string{"dev", "devel@conference.example.org", "Go developers", "Dave V"}},
		{"pc", []string{"parley-chat", "pancake"}},
		{"bob", []string{"bob", "bobby", "bob@example.org", "Big Old Box"}},
	}
	for _, tt := range tests {
		got := append([]string(nil), tt.names...)
		sort.SliceStable(got, func(i, j int) bool {
			a, _ := Score(tt.query, got[i])
			b, _ := Score(tt.query, got[j])
			return a > b
		})
		if strings.Join(got, "|") != strings.Join(tt.names, "|") {
			t.Errorf("%q ranks %q, want %q", tt.query, got, tt.names)
		}
	}
}

// TestScoreBounded checks that a hostile name is matched in its first
// MaxName runes only.
func TestScoreBounded(t *testing.T) {
	long := strings.Repeat("a", 1<<20) + "z"
	if _, ok := Score("az", long); ok {
		t.Error("a match past MaxName runes")
	}
	if _, ok := Score(strings.Repeat("a", 10*MaxQuery), strings.Repeat("a", MaxQuery)); !ok {
		t.Error("a query is not cut at MaxQuery runes")
	}
}

func FuzzScore(f *testing.F) {
	f.Add("ali", "Alice")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, q, n string) {
		if s, ok := Score(q, n); ok && q == "" && s != 0 {
			t.Errorf("empty query scored %d", s)
		}
	})
}

func BenchmarkScore2000(b *testing.B) {
	names := make([]string, 2000)
	for i := range names {
		names[i] = "contact" + strings.Repeat("x", i%40) + "@example.org"
	}
	for b.Loop() {
		for _, n := range names {
			Score("cex", n)
		}
	}
}
