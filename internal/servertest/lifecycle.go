package servertest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Stop stops the server gracefully (SIGTERM, then SIGKILL if it does not exit
// within 15 s) and waits for it to exit. Stopping a stopped server does
// nothing. The data dir and port are kept for Restart.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("servertest: Stop: %v", err)
	}
}

// Kill kills the server with SIGKILL, as a crash would, and waits for it to
// exit. Sessions are not closed: clients see their TCP connections reset.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if err := s.stop(syscall.SIGKILL); err != nil {
		t.Fatalf("servertest: Kill: %v", err)
	}
}

// Restart stops the server if it is running and starts it again with the
// same configuration, data (users, rosters, archives) and ports.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("servertest: Restart: stop: %v", err)
	}
	if err := s.launch(); err != nil {
		t.Fatalf("servertest: Restart: %v\n%s", err, s.Log())
	}
}

// Running reports whether the server process is running.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return false
	}
	select {
	case <-s.proc.done:
		return false
	default:
		return true
	}
}

// Pid returns the process id of the running server, or 0.
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// stop sends sig and waits for the process to exit, escalating to SIGKILL.
// An exit caused by the signal is not an error; a server that had already
// died on its own is reported.
func (s *Server) stop(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc
	if p == nil {
		return nil
	}
	s.proc = nil
	select {
	case <-p.done:
		return fmt.Errorf("%s had exited by itself: %v", s.Kind, p.err)
	default:
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(stopTimeout):
	}
	killAndWait(p)
	return fmt.Errorf("%s ignored %v for %v; killed", s.Kind, sig, stopTimeout)
}

// killAndWait kills p and waits until it has exited.
func killAndWait(p *process) {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Log returns the server's log so far: earlier runs (before Restart)
// first, then the current one, then whatever the server wrote to stdout
// and stderr (configuration errors end up there; skipped when the server
// repeats its log there and the log has text). Meant for test failure
// output.
func (s *Server) Log() string {
	var b strings.Builder
	for _, f := range s.impl.logFiles(s) {
		for n := 1; ; n++ {
			old := rotated(f, n)
			if _, err := os.Stat(old); err != nil {
				break
			}
			appendFile(&b, old)
		}
		appendFile(&b, f)
	}
	if b.Len() == 0 || !s.impl.outRepeatsLog() {
		appendFile(&b, s.outPath())
	}
	return b.String()
}

// appendFile appends the file at path to b under a header, if it has text.
func appendFile(b *strings.Builder, path string) {
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return
	}
	fmt.Fprintf(b, "==> %s <==\n%s", filepath.Base(path), data)
	if data[len(data)-1] != '\n' {
		b.WriteByte('\n')
	}
}
