package ui

import (
	"fmt"
	"testing"
	"time"
)

// TestRingByID: every line is found by its ids in O(1) through the ring's
// map, whether pushed, inserted in time order or prepended from history; a
// line that leaves the ring leaves the map; the map never outgrows the ring.
func TestRingByID(t *testing.T) {
	r := newRing(4)
	r.days = true
	mk := func(i int) *entry {
		e := composeEntry(t0.Add(time.Duration(i)*time.Minute), "15:04", lineMsg, "a", []string{fmt.Sprint(i)})
		e.ids = lineKeys(fmt.Sprint("id", i), fmt.Sprint("o", i), "")
		return e
	}
	for i := 1; i <= 3; i++ {
		r.insert(mk(i * 10))
	}
	r.prepend([]*entry{mk(0)})
	if e := r.lookup("i\x00id0"); e == nil || e.text != r.at(0).text {
		t.Fatalf("prepended line not found: %v", e)
	}
	r.insert(mk(15)) // full: the oldest (0) goes
	if r.lookup("i\x00id0") != nil || r.lookup("o\x00o0") != nil {
		t.Fatal("a dropped line is still found")
	}
	if e := r.lookup("o\x00o15"); e == nil || r.at(1) != e {
		t.Fatalf("inserted line not found at its place")
	}
	for i := 100; i < 200; i++ {
		r.push(mk(i))
	}
	if len(r.byID) != 2*r.len() {
		t.Fatalf("map holds %d keys for %d lines", len(r.byID), r.len())
	}
	if r.lookup("s\x00id199") != nil || r.lookup("i\x00id199") != r.at(3) {
		t.Fatal("keys are typed: an id is not a stanza-id")
	}
	r.clear()
	if r.lookup("i\x00id199") != nil {
		t.Fatal("cleared")
	}
}
