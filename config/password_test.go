package config

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
)

func TestResolvePassword(t *testing.T) {
	j := jid.MustParse("alice@example.org")
	tests := []struct {
		name    string
		acct    Account
		want    string
		wantErr []string // parts of the error
	}{
		{"plain", Account{JID: j, Password: "p w"}, "p w", nil},
		{"eval first line", Account{JID: j, PasswordEval: "printf 's3cr et\\r\\nsecond\\n'"}, "s3cr et", nil},
		{"eval no newline", Account{JID: j, PasswordEval: "printf pw"}, "pw", nil},
		{"eval sees no stdin", Account{JID: j, PasswordEval: "read x || echo nostdin"}, "nostdin", nil},
		{"eval fails", Account{JID: j, PasswordEval: "echo 'gpg: decryption failed' >&2; echo second >&2; echo leaked; exit 3"}, "",
			[]string{"account alice@example.org", "exit status 3", ": gpg: decryption failed"}},
		{"eval prints nothing", Account{JID: j, PasswordEval: "true"}, "", []string{"alice@example.org", "printed no password"}},
		{"eval empty first line", Account{JID: j, PasswordEval: "printf '\\nx\\n'"}, "", []string{"printed no password"}},
		{"command not found", Account{JID: j, PasswordEval: "no-such-command-parley"}, "", []string{"exit status 127", "not found"}},
		{"nothing", Account{JID: j}, "", []string{"no password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.acct.ResolvePassword(context.Background())
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %q, want an error", got)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			_, after, _ := strings.Cut(err.Error(), `" failed: `)
			if strings.Contains(after, "leaked") || strings.Contains(after, "second") {
				t.Errorf("error shows more than the first line of stderr, or stdout: %q", err)
			}
		})
	}
}

func TestResolvePasswordCancel(t *testing.T) {
	a := Account{JID: jid.MustParse("alice@example.org"), PasswordEval: "sleep 30; echo late"}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := a.ResolvePassword(ctx)
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("ResolvePassword returned only after %s", d)
	}
}

// TestResolvePasswordHostileOutput: a password_eval that prints hundreds of
// megabytes, or never stops, costs a bounded amount of memory: only the
// first line is read, the command is killed after it, and a first line
// that is too long is an error.
func TestResolvePasswordHostileOutput(t *testing.T) {
	j := jid.MustParse("alice@example.org")
	tests := []struct {
		name, eval, want, wantErr string
	}{
		{"300 MB of lines", "printf 'pw\\n'; head -c 300000000 /dev/zero", "pw", ""},
		{"never stops", "echo pw; yes", "pw", ""},
		{"300 MB without a newline", "head -c 300000000 /dev/zero", "", "first line longer than"},
		{"300 MB on stderr", "head -c 300000000 /dev/zero >&2; echo pw", "pw", ""},
		{"lingers after the line", "echo pw; exec sleep 30", "pw", ""},
		{"exactly the limit", fmt.Sprintf("head -c %d /dev/zero | tr '\\0' p; echo", maxEvalLine), strings.Repeat("p", maxEvalLine), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			var err error
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			got, err = Account{JID: j, PasswordEval: tt.eval}.ResolvePassword(context.Background())
			runtime.ReadMemStats(&after)
			if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
				t.Errorf("allocated %d MiB", n>>20)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %.20q, %v; want an error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %.20q, %v; want %.20q", got, err, tt.want)
			}
		})
	}
}
