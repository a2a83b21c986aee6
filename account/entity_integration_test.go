package account

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/entity"
	"parley/internal/servertest"
)

// TestIntegrationEntityQueries asks, through each server, a second parley
// session and the server itself for version, time, last activity, ping
// and service discovery; bob reveals his OS and idle time, carol neither.
func TestIntegrationEntityQueries(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind)
		aliceJID := s.AddUser(t, "alice", "pw")
		bobCfg := testConfig(s, s.AddUser(t, "bob", "pw"), "pw", "phone")
		bobCfg.Version, bobCfg.RevealOS, bobCfg.RevealIdle = "9.9", true, true
		carolCfg := testConfig(s, s.AddUser(t, "carol", "pw"), "pw", "desk")
		alice := startOnline(t, testConfig(s, aliceJID, "pw", "desk"))
		bob := startOnline(t, bobCfg)
		carol := startOnline(t, carolCfg)
		bob.NoteActivity(time.Now().Add(-90 * time.Second))
		bobFull := jid.MustParse(bobCfg.JID.String() + "/phone")
		carolFull := jid.MustParse(carolCfg.JID.String() + "/desk")

		v, err := alice.Version(ctx10(t), bobFull)
		if err != nil || v != (entity.Version{Name: "parley", Version: "9.9", OS: runtime.GOOS + "/" + runtime.GOARCH}) {
			t.Errorf("bob's version %+v, %v", v, err)
		}
		if v, err := alice.Version(ctx10(t), carolFull); err != nil || v.OS != "" || v.Name != "parley" {
			t.Errorf("carol's version %+v, %v: want no OS", v, err)
		}
		if v, err := alice.Version(ctx10(t), jid.JID{}); err != nil || v.Name == "" {
			t.Errorf("the server's version %+v, %v", v, err)
		}
		tm, err := alice.Time(ctx10(t), bobFull)
		if err != nil || tm.UTC.Sub(time.Now()).Abs() > time.Minute {
			t.Errorf("bob's time %+v, %v", tm, err)
		}
		l, err := alice.LastActivity(ctx10(t), bobFull)
		if kind == servertest.Ejabberd && err != nil {
			t.Logf("ejabberd answers a resource's last activity itself: %v", err) // its mod_last takes the query
		} else if err != nil || l.Seconds < 90 || l.Seconds > 600 {
			t.Errorf("bob's idle time %+v, %v: want about 90 s", l, err)
		}
		if _, err := alice.LastActivity(ctx10(t), carolFull); err == nil {
			t.Error("carol, who does not reveal her idle time, answered")
		}
		for _, j := range []jid.JID{{}, bobFull} {
			if rtt, err := alice.Ping(ctx10(t), j); err != nil || rtt <= 0 {
				t.Errorf("ping %q: %v %v", j, rtt, err)
			}
		}
		info, err := alice.DiscoInfo(ctx10(t), bobFull, "")
		if err != nil || !info.Has(entity.NSVersion) || !info.Has(entity.NSTime) || !info.Has(entity.NSLast) {
			t.Errorf("bob's features %v, %v", info.Features, err)
		}
		if info, _ := alice.DiscoInfo(ctx10(t), carolFull, ""); info.Has(entity.NSLast) {
			t.Error("carol announces last activity")
		}
		info, err = alice.DiscoInfo(ctx10(t), jid.JID{}, "")
		if err != nil || !info.Has("urn:xmpp:blocking") || len(info.Identities) == 0 {
			t.Errorf("the server's disco#info %+v, %v", info, err)
		}
		items, err := alice.DiscoItems(ctx10(t), jid.JID{}, "")
		if err != nil || !slices.ContainsFunc(items.Items, func(it entity.Item) bool { return it.JID == s.MUC }) {
			t.Errorf("the server's items %+v, %v: want %s", items, err, s.MUC)
		}
		_ = carol
	})
}
