package config

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
// PasswordEvalTimeout; only its first line (at most 16 KiB) is read, and it
// is killed if it goes on printing (past 1 MiB or 2 s after that line). Errors name the account and include the first line of
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
	stderr := &headWriter{max: maxEvalStderr}
	cmd := exec.CommandContext(ctx, "sh", "-c", a.PasswordEval)
	cmd.Stderr = stderr
	// The command stays in parley's process group, so that a password
	// manager can still prompt on the terminal before the UI starts. When
	// ctx ends sh is killed; WaitDelay stops waiting for children of it
	// that keep the output pipes open.
	cmd.WaitDelay = time.Second
	stdout, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		return "", fmt.Errorf("account %s: password_eval %q failed: %v", a.JID, a.PasswordEval, err)
	}
	line, tooLong, stopped := readPassword(stdout)
	if stopped {
		// It keeps writing (or is slow to exit): we have what we need.
		// Closing the pipe ends children of sh that write to it (EPIPE).
		_ = stdout.Close()
		_ = cmd.Process.Kill()
	}
	err = cmd.Wait()
	switch {
	case tooLong:
		return "", fmt.Errorf("account %s: password_eval %q printed a first line longer than %d bytes", a.JID, a.PasswordEval, maxEvalLine)
	case err != nil && !(stopped && ctx.Err() == nil):
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
	pw := strings.TrimSuffix(line, "\r")
	if pw == "" {
		msg := fmt.Sprintf("account %s: password_eval %q printed no password", a.JID, a.PasswordEval)
		if line := firstLine(stderr.String()); line != "" {
			msg += ": " + line
		}
		return "", errors.New(msg)
	}
	return pw, nil
}

// Bounds on a password_eval command's output: only the first line of its
// standard output is read, at most maxEvalLine bytes; after it the rest is
// drained for at most maxEvalTrailer bytes or evalGrace, then the command
// is killed (a command that prints a password and more, or never stops
// printing, must neither fill memory nor hang parley). Standard error is
// kept to its first maxEvalStderr bytes.
const (
	maxEvalLine    = 16 << 10
	maxEvalTrailer = 1 << 20
	maxEvalStderr  = 4 << 10
	evalGrace      = 2 * time.Second
)

// readPassword reads the first line of r (without its newline) bounded by
// maxEvalLine, then drains what follows within the bounds. tooLong: the
// first line was longer; stopped: reading ended early (too long, too much
// after the line, or too slow after it) and the command should be killed.
func readPassword(r io.Reader) (line string, tooLong, stopped bool) {
	br := bufio.NewReaderSize(r, 4096)
	var b []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(b)+len(chunk) > maxEvalLine+1 {
			return "", true, true
		}
		b = append(b, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil { // EOF: the output ends without a newline
			return string(b), false, false
		}
		break
	}
	line = string(b[:len(b)-1])
	if d, ok := r.(interface{ SetReadDeadline(time.Time) error }); ok {
		_ = d.SetReadDeadline(time.Now().Add(evalGrace))
	}
	n, err := io.Copy(io.Discard, io.LimitReader(br, maxEvalTrailer))
	return line, false, n >= maxEvalTrailer || (err != nil && err != io.EOF)
}

// headWriter keeps the first max bytes written to it and discards the rest.
type headWriter struct {
	max int
	b   bytes.Buffer
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.max - w.b.Len(); room > 0 {
		w.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (w *headWriter) String() string { return w.b.String() }

// firstLine returns s up to its first line end, without a trailing \r.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSuffix(s, "\r")
}
