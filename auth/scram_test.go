package auth

import (
	"errors"
	"strings"
	"testing"
)

// TestScramVectors runs the test vectors of RFC 5802 §5 (SCRAM-SHA-1) and
// RFC 7677 §3 (SCRAM-SHA-256).
func TestScramVectors(t *testing.T) {
	for _, tc := range []struct {
		mech                                      string
		nonce, serverFirst, clientFinal, verifier string
	}{
		{"SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL",
			"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
			"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
			"v=rmF9pqV8S7suAoZWja4dJRkFsKQ="},
		{"SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO",
			"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
			"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
			"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="},
	} {
		t.Run(tc.mech, func(t *testing.T) {
			c, err := newScram(mechanismNamed(t, tc.mech), "user", "pencil", "n", nil)
			if err != nil {
				t.Fatal(err)
			}
			c.nonce = tc.nonce
			if got := string(c.first()); got != "n,,n=user,r="+tc.nonce {
				t.Errorf("client-first %q", got)
			}
			final, err := c.final([]byte(tc.serverFirst))
			if err != nil {
				t.Fatal(err)
			}
			if string(final) != tc.clientFinal {
				t.Errorf("client-final\n got %s\nwant %s", final, tc.clientFinal)
			}
			if err := c.verify([]byte("v=AAAA")); !errors.Is(err, errServerSig) {
				t.Errorf("a wrong verifier: %v", err)
			}
			if err := c.verify([]byte(tc.verifier)); err != nil || !c.verified {
				t.Errorf("verify: %v", err)
			}
		})
	}
}

func mechanismNamed(t *testing.T, name string) mechanism {
	t.Helper()
	for _, m := range mechanisms {
		if m.name == name {
			return m
		}
	}
	t.Fatalf("no mechanism %s", name)
	return mechanism{}
}

// TestScramHostileServer checks that a server-first-message that would
// make the client misbehave (burn CPU, accept a replayed nonce, skip an
// extension it must refuse) ends the login with an error.
func TestScramHostileServer(t *testing.T) {
	for _, tc := range []struct {
		serverFirst, want string
	}{
		{"r=abcdefXYZ,s=QSXCR+Q6sek8bf92,i=1000000000", "iteration count"},
		{"r=abcdefXYZ,s=QSXCR+Q6sek8bf92,i=0", "iteration count"},
		{"r=abcdefXYZ,s=QSXCR+Q6sek8bf92,i=-5", "iteration count"},
		{"r=abcdefXYZ,s=QSXCR+Q6sek8bf92,i=x", "iteration count"},
		{"r=abcdef,s=QSXCR+Q6sek8bf92,i=4096", "nonce"},
		{"r=zzzzzzXYZ,s=QSXCR+Q6sek8bf92,i=4096", "nonce"},
		{"r=abcdefXYZ,s=,i=4096", "salt"},
		{"r=abcdefXYZ,s=!!!,i=4096", "salt"},
		{"m=ext,r=abcdefXYZ,s=QSXCR+Q6sek8bf92,i=4096", "extension"},
		{"e=unknown-user", "unknown-user"},
		{"r=abcdefXYZ,,i=4096", "malformed"},
		{"r=abcdefXYZ,s=QSXCR+Q6sek8bf92,i=4096," + strings.Repeat("x", maxChallenge), "too long"},
	} {
		c, err := newScram(mechanismNamed(t, "SCRAM-SHA-256"), "user", "pencil", "n", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.nonce = "abcdef"
		c.first()
		if _, err := c.final([]byte(tc.serverFirst)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.60q: %v, want an error with %q", tc.serverFirst, err, tc.want)
		}
	}
}

// TestScramUsername checks the escaping of '=' and ',' (RFC 5802 §5.1).
func TestScramUsername(t *testing.T) {
	if got := saslName("a=b,c"); got != "a=3Db=2Cc" {
		t.Errorf("saslName = %q", got)
	}
}

// TestScramServerFinal checks the server-final-message forms.
func TestScramServerFinal(t *testing.T) {
	c, _ := newScram(mechanismNamed(t, "SCRAM-SHA-1"), "user", "pencil", "n", nil)
	if err := c.verify([]byte("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")); !errors.Is(err, errServerSig) {
		t.Errorf("verify before final: %v", err)
	}
	c.nonce = "fyko+d2lbbFgONRv9qkxdawL"
	c.first()
	if _, err := c.final([]byte("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")); err != nil {
		t.Fatal(err)
	}
	var f *Failure
	if err := c.verify([]byte("e=channel-bindings-dont-match")); !errors.As(err, &f) || f.Condition != "channel-bindings-dont-match" {
		t.Errorf("e=: %v", err)
	}
	if err := c.verify([]byte("e=\x1b[31mred")); !errors.As(err, &f) || f.Condition != "other-error" {
		t.Errorf("e= with control bytes: %v", err)
	}
	if err := c.verify([]byte("x=1")); !errors.Is(err, errServerSig) {
		t.Errorf("no verifier: %v", err)
	}
	if err := c.verify([]byte("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=,ext=1")); err != nil {
		t.Errorf("verifier with an extension: %v", err)
	}
}

// FuzzScramServerFirst feeds arbitrary server-first-messages to the
// client: it must return a message or an error, never panic.
func FuzzScramServerFirst(f *testing.F) {
	f.Add([]byte("r=abcdefXYZ,s=QSXCR+Q6sek8bf92,i=4096"))
	f.Add([]byte("e=other-error"))
	f.Add([]byte("r=abcdef,,,s="))
	f.Fuzz(func(t *testing.T, serverFirst []byte) {
		c, err := newScram(mechanismNamed(t, "SCRAM-SHA-1"), "user", "pencil", "n", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.nonce = "abcdef"
		c.first()
		if _, err := c.final(serverFirst); err == nil {
			_ = c.verify(serverFirst)
		}
	})
}
