package sm

import "testing"

func TestStanzaID(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		{`<message to='b@x' id='m1' type='chat'><body>hi</body></message>`, "m1"},
		{`<message xmlns="jabber:client" id="m&amp;2"><body/></message>`, "m&2"},
		{` <iq type='get' id='q'/>`, "q"},
		{`<presence/>`, ""},
		{`<message xml:id='x' foo:id='y'/>`, ""},
		{`garbage`, ""},
		{``, ""},
	}
	for _, tc := range tests {
		if got := StanzaID([]byte(tc.raw)); got != tc.want {
			t.Errorf("StanzaID(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func TestQueued(t *testing.T) {
	st := New(Options{})
	st.enqueueLocked([]byte(`<message id='a1'><body>1</body></message>`))
	st.enqueueLocked([]byte(`<message id='a2'><body>2</body></message>`))
	st.enqueueLocked([]byte(`<message id='a3'><body>3</body></message>`))
	for id, want := range map[string]bool{"a1": true, "a2": true, "a3": true, "a4": false, "": false} {
		if got := st.Queued(id); got != want {
			t.Errorf("Queued(%q) = %v, want %v", id, got, want)
		}
	}
	// Acknowledged stanzas leave the queue.
	if err := st.ackLocked(1); err != nil {
		t.Fatal(err)
	}
	if st.Queued("a1") || !st.Queued("a2") {
		t.Error("after ack of 1: a1 still queued or a2 gone")
	}
	// A forgotten session keeps the rest in Pending, still Queued until
	// Pending is taken.
	st.Reset()
	if !st.Queued("a2") || !st.Queued("a3") {
		t.Error("pending stanzas are not Queued")
	}
	if p := st.Pending(); len(p) != 2 {
		t.Fatalf("pending %q", p)
	}
	if st.Queued("a2") {
		t.Error("Queued after Pending was taken")
	}
}
