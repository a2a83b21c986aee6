package account

import (
	"context"
	"strings"
	"testing"
	"time"

	"parley/internal/servertest"
)

// TestIntegrationCloseServerNotReading: the server stops reading our
// writes (the proxy holds them) while a send is blocked on a full TCP
// buffer, holding mellium's send lock. Close and Disconnect must not wait
// for that lock: they say goodbye with a short deadline, then close the
// connection regardless, so Run ends and parley can exit.
func TestIntegrationCloseServerNotReading(t *testing.T) {
	servertest.Each(t, testIntegrationCloseServerNotReading)
}

func testIntegrationCloseServerNotReading(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bob := s.AddUser(t, "bob", "pw")
	for _, how := range []string{"Close", "Disconnect"} {
		t.Run(how, func(t *testing.T) {
			px := s.Proxy(t)
			cfg := proxyConfig(t, s, px, alice, "pw", "parley-"+strings.ToLower(how))
			cfg.Keepalive = time.Hour // the keepalive must not be what ends it
			r := start(t, cfg)
			r.waitState(t, Online)

			px.Pause()
			// Send until a send blocks: the socket buffers are full and
			// the blocked write holds the send lock.
			body := strings.Repeat("x", MaxBody-100)
			blocked := make(chan struct{})
			go func() {
				for {
					sent := make(chan struct{})
					go func() {
						_, _ = r.SendMessage(context.Background(), bob, "chat", body)
						close(sent)
					}()
					select {
					case <-sent:
						continue
					case <-time.After(2 * time.Second):
					}
					close(blocked)
					return
				}
			}()
			select {
			case <-blocked:
			case <-time.After(waitLong):
				t.Fatal("no send blocked with the server not reading")
			}

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			closed := make(chan error, 1)
			go func() {
				if how == "Close" {
					closed <- r.Close(ctx)
				} else {
					closed <- r.Disconnect(ctx)
				}
			}()
			select {
			case err := <-closed:
				if err != nil {
					t.Errorf("%s: %v, want the account closed within its deadline", how, err)
				}
			case <-time.After(waitLong):
				t.Fatalf("%s hangs while the server does not read", how)
			}
			if how == "Close" {
				select {
				case <-r.done:
				case <-time.After(waitLong):
					t.Fatal("Run did not return after Close")
				}
			} else if st := r.State(); st == Online {
				t.Errorf("after Disconnect: %v", st)
			}
			px.Resume()
		})
	}
}
