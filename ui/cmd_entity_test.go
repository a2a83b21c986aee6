package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"parley/caps"
	"parley/entity"
)

func TestDiscoLines(t *testing.T) {
	info := caps.Info{Identities: []caps.Identity{{Category: "server", Type: "im", Name: "evil\x1b[2J"}}, Features: []string{"b", "a\x07"}}
	items := entity.Items{Items: []entity.Item{{JID: "muc.example.org", Name: "Rooms\u202e"}}, Cut: true}
	got := strings.Join(discoLines("example.org", "", info, nil, items, nil), "\n")
	want := "service discovery of example.org\n  identity: server/im \"evil\"\n  feature: a\n  feature: b\n  item: muc.example.org \"Rooms\"\n  (only the first 1000 items were read)"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	got = strings.Join(discoLines("x", "n", caps.Info{}, errors.New("item not found"), entity.Items{}, errors.New("forbidden")), "\n")
	if got != "service discovery of x node n\n  cannot read its identities and features: item not found\n  cannot read its items: forbidden" {
		t.Errorf("errors: %q", got)
	}
}

func TestRoughDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{40 * time.Second, "40 s"}, {302 * time.Second, "5 min 2 s"}, {3*time.Hour + 5*time.Minute, "3 h 5 min"}, {50 * time.Hour, "2 d 2 h"},
	} {
		if got := roughDuration(tc.d); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.d, got, tc.want)
		}
	}
}
