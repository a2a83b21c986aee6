package servertest

import (
	"os/user"
	"strconv"
	"testing"
	"time"
)

// itoa is strconv.Itoa, short for test messages.
func itoa(n int) string { return strconv.Itoa(n) }

// waitFor polls cond for up to 10 s and fails the test naming what.
func waitFor(t testing.TB, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// uidOf returns the numeric user id of name.
func uidOf(t *testing.T, name string) string {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return u.Uid
}
