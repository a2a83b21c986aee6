package account

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/forms"
	"parley/internal/servertest"
)

// registerUser creates user on s in band, as the first-run setup does.
func registerUser(t *testing.T, s *servertest.Server, user, pass string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	cfg := testConfig(s, jid.MustParse(s.Domain), "", "")
	begin := time.Now()
	defer func() {
		t.Logf("%s: registration of %s (connect, TLS, form, submit): %v", s.Kind, user, time.Since(begin).Round(time.Millisecond))
	}()
	r, err := Register(ctx, cfg)
	if err != nil {
		return err
	}
	defer r.Close()
	f := r.Query.Fill()
	if f.Field("username") == nil || f.Field("password") == nil || f.Field("password").Type != forms.TextPrivate {
		t.Fatalf("registration form %+v (query %+v)", f, r.Query)
	}
	f.Field("username").SetText(user)
	f.Field("password").SetText(pass)
	if probs := f.Validate(); len(probs) > 0 {
		t.Fatalf("form problems %+v", probs)
	}
	return r.Submit(ctx, f)
}

// loginOnce reports whether user logs in with pass.
func loginOnce(t *testing.T, s *servertest.Server, j jid.JID, pass string) error {
	t.Helper()
	r := start(t, testConfig(s, j, pass, "check"))
	e := r.rec.wait(t, waitLong, func(e Event) bool {
		se, ok := e.(StateEvent)
		return ok && (se.State == Online || se.State == Failed || se.State == Disconnected || se.State == Reconnecting)
	}).(StateEvent)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.Close(ctx)
	if e.State == Online {
		return nil
	}
	return errors.New(e.Text)
}

// TestIntegrationRegistration: an account created in band on a fresh
// stream (TLS, no SASL), the same name refused (conflict), its password
// changed while online (a reconnect then logs in with the new one, a fresh
// login works with the new password and fails with the old), then the
// account deleted (it goes offline, does not reconnect, and logins fail).
func TestIntegrationRegistration(t *testing.T) { servertest.Each(t, testIntegrationRegistration) }

func testIntegrationRegistration(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind, servertest.WithRegistration())
	if err := registerUser(t, s, "newbie", "first-pw"); err != nil {
		t.Fatalf("register: %v", err)
	}
	var re *RegisterError
	if err := registerUser(t, s, "newbie", "other"); !errors.As(err, &re) || re.Cond != "conflict" || !strings.Contains(err.Error(), "taken") {
		t.Fatalf("second registration: %v", err)
	}
	me := jid.MustParse("newbie@" + s.Domain)
	r := startOnline(t, testConfig(s, me, "first-pw", "desk"))

	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := r.ChangePassword(ctx, "second pw ü"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	r.Reconnect() // the new login must use the new password
	r.waitState(t, Reconnecting)
	r.waitState(t, Online)
	if err := loginOnce(t, s, me, "second pw ü"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	if err := loginOnce(t, s, me, "first-pw"); err == nil || !strings.Contains(err.Error(), "authentication failed") {
		t.Errorf("login with the old password: %v", err)
	}

	if err := r.Unregister(ctx); err != nil {
		t.Fatalf("Unregister: %v", err)
	}
	if st := r.State(); st != Disconnected {
		t.Errorf("state after Unregister %v", st)
	}
	time.Sleep(1500 * time.Millisecond) // a reconnect would have started by now
	if st := r.State(); st != Disconnected {
		t.Errorf("state a while after Unregister %v", st)
	}
	if err := loginOnce(t, s, me, "second pw ü"); err == nil {
		t.Error("login after Unregister works")
	}
}

// TestIntegrationRegistrationWebOnly: a server that registers only on a
// web page answers with its URL and nothing to fill in; the submission is
// refused.
func TestIntegrationRegistrationWebOnly(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		const page = "https://example.org/register?x=1"
		s := servertest.Start(t, kind, servertest.WithRegistrationURL(page))
		ctx, cancel := context.WithTimeout(context.Background(), waitLong)
		defer cancel()
		r, err := Register(ctx, testConfig(s, jid.MustParse(s.Domain), "", ""))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if r.Query.URL != page || !r.Query.WebOnly() {
			t.Fatalf("query %+v", r.Query)
		}
	})
}

// TestIntegrationRegistrationClosed: without registration the server
// refuses it, in words.
func TestIntegrationRegistrationClosed(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind)
		err := registerUser(t, s, "x", "y")
		var re *RegisterError
		if !errors.As(err, &re) {
			t.Fatalf("err %v", err)
		}
		t.Logf("%s: %v", kind, err)
	})
}

// TestIntegrationRegistrationStreamLost: the server ends the registration
// stream while the form is filled in; Submit asks again on a new stream
// and registers with the same answers.
func TestIntegrationRegistrationStreamLost(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind, servertest.WithRegistration())
		ctx, cancel := context.WithTimeout(context.Background(), waitLong)
		defer cancel()
		r, err := Register(ctx, testConfig(s, jid.MustParse(s.Domain), "", ""))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		f := r.Query.Fill()
		f.Field("username").SetText("slow")
		f.Field("password").SetText("slow-pw")
		r.conn.Close() // as a server's idle timeout does
		select {
		case <-r.served:
		case <-time.After(waitLong):
			t.Fatal("the stream did not end")
		}
		if err := r.Submit(ctx, f); err != nil {
			t.Fatalf("Submit after the stream ended: %v", err)
		}
		if err := loginOnce(t, s, jid.MustParse("slow@"+s.Domain), "slow-pw"); err != nil {
			t.Errorf("login: %v", err)
		}
	})
}
