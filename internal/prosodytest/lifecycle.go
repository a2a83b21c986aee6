package prosodytest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Stop stops Prosody gracefully (SIGTERM, then SIGKILL if it does not exit
// within 15 s) and waits for it to exit. Stopping a stopped server does
// nothing. The data dir and port are kept for Restart.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("prosodytest: Stop: %v", err)
	}
}

// Kill kills Prosody with SIGKILL, as a crash would, and waits for it to
// exit. Sessions are not closed: clients see their TCP connections reset.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if err := s.stop(syscall.SIGKILL); err != nil {
		t.Fatalf("prosodytest: Kill: %v", err)
	}
}

// Restart stops Prosody if it is running and starts it again with the same
// configuration, data dir (users, rosters, archives) and ports.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("prosodytest: Restart: stop: %v", err)
	}
	if err := s.launch(); err != nil {
		t.Fatalf("prosodytest: Restart: %v\n%s", err, s.Log())
	}
}

// Running reports whether the Prosody process is running.
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

// Pid returns the process id of the running Prosody, or 0.
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// stop sends sig and waits for the process to exit, escalating to SIGKILL.
// An exit caused by the signal is not an error; a Prosody that had already
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
		return fmt.Errorf("prosody had exited by itself: %v", p.err)
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
	return fmt.Errorf("prosody ignored %v for %v; killed", sig, stopTimeout)
}

// killAndWait kills p and waits until it has exited.
func killAndWait(p *process) {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Log returns Prosody's log so far: earlier runs (before Restart) first,
// then the current one, then whatever Prosody wrote to stdout and stderr
// (configuration errors end up there). Meant for test failure output.
func (s *Server) Log() string {
	var b strings.Builder
	old, _ := filepath.Glob(s.logPath + ".*")
	sort.Slice(old, func(i, j int) bool {
		return len(old[i]) < len(old[j]) || len(old[i]) == len(old[j]) && old[i] < old[j]
	})
	for _, path := range append(old, s.logPath, s.outPath) {
		data, err := os.ReadFile(path)
		if err != nil || len(data) == 0 {
			continue
		}
		fmt.Fprintf(&b, "==> %s <==\n%s", filepath.Base(path), data)
		if data[len(data)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
