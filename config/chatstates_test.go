package config

import (
	"errors"
	"strings"
	"testing"
)

// TestChatStateKeys: the [ui] keys of chat states and markers, their
// defaults, and their errors (a misspelt key, a wrong type) with file,
// line and key.
func TestChatStateKeys(t *testing.T) {
	acct := "[[account]]\njid = \"a@example.org\"\npassword_eval = \"echo x\"\n"
	for _, tc := range []struct {
		name                   string
		ui                     string
		states, rooms, markers bool
	}{
		{"defaults", "", true, false, true},
		{"all off", "send_chat_states = false\nsend_read_markers = false\n", false, false, false},
		{"rooms on", "send_chat_states_rooms = true\n", true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(writeConfig(t, "[ui]\n"+tc.ui+acct, 0o600))
			if err != nil {
				t.Fatal(err)
			}
			if u := c.UI; u.SendChatStates != tc.states || u.SendChatStatesRooms != tc.rooms || u.SendReadMarkers != tc.markers {
				t.Errorf("states %v, rooms %v, markers %v; want %v, %v, %v", u.SendChatStates, u.SendChatStatesRooms,
					u.SendReadMarkers, tc.states, tc.rooms, tc.markers)
			}
		})
	}
	path := writeConfig(t, "[ui]\nsend_chat_state = true\nsend_read_markers = \"yes\"\nsend_chat_states_rooms = 1\n"+acct, 0o600)
	_, err := Load(path)
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v is not *Errors", err)
	}
	want := []want{
		{2, "ui.send_chat_state", "unknown key (did you mean send_chat_states?)"},
		{3, "ui.send_read_markers", "must be a boolean (true or false), not a string"},
		{4, "ui.send_chat_states_rooms", "must be a boolean (true or false), not an integer"},
	}
	if len(errs.List) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(errs.List), len(want), err)
	}
	for _, w := range want {
		found := false
		for _, p := range errs.List {
			found = found || p.Line == w.line && p.Key == w.key && strings.Contains(p.Msg, w.msg)
		}
		if !found {
			t.Errorf("no problem %d %s %q in:\n%v", w.line, w.key, w.msg, err)
		}
	}
	if !strings.HasPrefix(err.Error(), path+":") {
		t.Errorf("the error does not name the file: %v", err)
	}
}
