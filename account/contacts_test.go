package account

import (
	"slices"
	"testing"

	"mellium.im/xmpp/jid"
)

func TestContactList(t *testing.T) {
	item := func(j, sub, name string) RosterItem {
		return RosterItem{JID: jid.MustParse(j), Subscription: sub, Name: name}
	}
	var l contactList
	l.replace([]RosterItem{
		item("c@example.org", "both", "C"),
		item("a@example.org", "to", "A1"),
		item("b@example.org", "remove", ""),
		item("a@example.org", "from", "A2"), // the later one counts
		item("d@example.org/res", "none", "D"),
	})
	if want := []string{"a@example.org", "c@example.org", "d@example.org"}; !slices.Equal(l.keys, want) {
		t.Fatalf("keys %q, want %q", l.keys, want)
	}
	if l.items[0].Name != "A2" || !l.allowed("a@example.org") || !l.allowed("c@example.org") || l.allowed("d@example.org") {
		t.Errorf("items %+v", l.items)
	}
	if l.has("b@example.org") || l.allowed("b@example.org") || !l.has("d@example.org") {
		t.Error("membership wrong after replace")
	}
	for _, step := range []struct {
		it   RosterItem
		keys []string
	}{
		{item("b@example.org", "both", "B"), []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org"}},
		{item("0@example.org", "none", ""), []string{"0@example.org", "a@example.org", "b@example.org", "c@example.org", "d@example.org"}},
		{item("c@example.org", "none", "C2"), []string{"0@example.org", "a@example.org", "b@example.org", "c@example.org", "d@example.org"}},
		{item("a@example.org", "remove", ""), []string{"0@example.org", "b@example.org", "c@example.org", "d@example.org"}},
		{item("x@example.org", "remove", ""), []string{"0@example.org", "b@example.org", "c@example.org", "d@example.org"}},
	} {
		l.apply(step.it)
		if !slices.Equal(l.keys, step.keys) || len(l.items) != len(l.keys) {
			t.Fatalf("after %v: keys %q (%d items), want %q", step.it.JID, l.keys, len(l.items), step.keys)
		}
		for i, k := range l.keys {
			if itemKey(l.items[i]) != k {
				t.Fatalf("after %v: item %d is %v, key %s", step.it.JID, i, l.items[i].JID, k)
			}
		}
	}
	if l.allowed("c@example.org") || !l.allowed("b@example.org") || l.items[2].Name != "C2" {
		t.Errorf("items after pushes %+v", l.items)
	}
}
