package history

import (
	"fmt"
	"testing"
)

// Messages from more peers than maxOpenConvs keep at most that many
// conversations open, and an evicted conversation still deduplicates and
// appends after it is reopened.
func TestOpenConversationsBounded(t *testing.T) {
	s := openT(t, t.TempDir())
	n := maxOpenConvs + 20
	for i := range n {
		if _, err := s.Append(me, fmt.Sprintf("peer%d@example.net", i), msg(i)); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	open := len(s.convs)
	s.mu.Unlock()
	if open > maxOpenConvs {
		t.Fatalf("%d conversations open, want at most %d", open, maxOpenConvs)
	}
	// peer0 was evicted: its message is still a duplicate, a new one is stored.
	if stored, err := s.Append(me, "peer0@example.net", msg(0)); err != nil || stored {
		t.Fatalf("re-append after eviction: stored %v, err %v; want a duplicate", stored, err)
	}
	if stored, err := s.Append(me, "peer0@example.net", msg(n)); err != nil || !stored {
		t.Fatalf("new message after eviction: stored %v, err %v", stored, err)
	}
	recs, _, err := s.Tail(me, "peer0@example.net", 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bodies(recs), fmt.Sprintf("message 0|message %d", n); got != want {
		t.Fatalf("peer0 holds %q, want %q", got, want)
	}
}
