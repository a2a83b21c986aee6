package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// PasswordEvalTimeout bounds a password_eval command when ctx has no earlier
// deadline. It leaves time for a password manager that asks for a passphrase.
const PasswordEvalTimeout = 60 * time.Second

// ResolvePassword returns Password, or runs PasswordEval with `sh -c` and
// returns the first line of its output (without the line end). The command
// gets no standard input and is stopped when ctx ends or after
// PasswordEvalTimeout. Errors name the account and include the first line of
// the command's standard error; they never include its standard output.
func (a Account) ResolvePassword(ctx context.Context) (string, error) {
	if a.PasswordEval == "" {
		if a.Password == "" {
			return "", fmt.Errorf("account %s: no password and no password_eval", a.JID)
		}
		return a.Password, nil
	}
	ctx, cancel := context.WithTimeout(ctx, PasswordEvalTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", a.PasswordEval)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	// The command stays in parley's process group, so that a password
	// manager can still prompt on the terminal before the UI starts. When
	// ctx ends sh is killed; WaitDelay stops waiting for children of it
	// that keep the output pipes open.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
			if errors.Is(err, context.DeadlineExceeded) {
				err = errors.New("timed out")
			}
		}
		msg := fmt.Sprintf("account %s: password_eval %q failed: %v", a.JID, a.PasswordEval, err)
		if line := firstLine(stderr.String()); line != "" {
			msg += ": " + line
		}
		return "", errors.New(msg)
	}
	pw := firstLine(stdout.String())
	if pw == "" {
		msg := fmt.Sprintf("account %s: password_eval %q printed no password", a.JID, a.PasswordEval)
		if line := firstLine(stderr.String()); line != "" {
			msg += ": " + line
		}
		return "", errors.New(msg)
	}
	return pw, nil
}

// firstLine returns s up to its first line end, without a trailing \r.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSuffix(s, "\r")
}
