package servertest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
)

// Timeouts of the harness. They bound waits only; nothing asserts on them.
const (
	readyTimeout = 60 * time.Second // process start to serving the port
	stopTimeout  = 15 * time.Second // SIGTERM to exit before SIGKILL
	ctlTimeout   = 30 * time.Second // one account registration
	startTries   = 3                // port races with other processes
)

// probeUser is registered by Start to prove that accounts can be created
// with the generated configuration. Tests may ignore it.
const probeUser = "servertest-probe"

// Kind names a server implementation.
type Kind string

// The servers the suite runs against.
const (
	Prosody  Kind = "prosody"
	Ejabberd Kind = "ejabberd"
)

// Kinds returns every server kind, or those listed (comma-separated) in
// the environment variable PARLEY_SERVERS.
func Kinds() []Kind {
	all := []Kind{Prosody, Ejabberd}
	env := os.Getenv("PARLEY_SERVERS")
	if env == "" {
		return all
	}
	var out []Kind
	for _, k := range all {
		for _, name := range strings.Split(env, ",") {
			if strings.TrimSpace(name) == string(k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// Each runs f as a subtest named after each server kind (see Kinds). The
// subtests run in parallel with each other (and with other parallel tests,
// up to go test's -parallel): f must not share state between kinds, and a
// test using t.Setenv cannot use Each.
func Each(t *testing.T, f func(t *testing.T, kind Kind)) {
	t.Helper()
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			f(t, k)
		})
	}
}

// Server is an XMPP server private to a test: temp dir with config, data,
// certificate; c2s on a random free loopback port.
type Server struct {
	Kind       Kind
	Dir        string // its temp dir, removed when the test ends
	Host       string // "127.0.0.1"
	Port       int    // c2s port (STARTTLS)
	DirectPort int    // direct TLS port (XEP-0368), 0 unless WithDirectTLS
	Domain     string // "localhost"
	MUC        string // "conference.localhost": MUC service with archiving, rooms usable at once
	CAFile     string // PEM of the CA that signed the server certificate, for clients to trust
	CertFile   string // PEM of the server certificate (its leaf), as the server presents it
	// With WithFileShare: the upload service's address and its HTTP and
	// HTTPS ports (on Host); zero otherwise.
	Upload              string
	HTTPPort, HTTPSPort int

	opts options
	impl backend

	mu   sync.Mutex
	proc *process // nil when not running
}

// backend is what differs between server implementations. The Server
// does the rest: certificates, ports, the process, readiness, logs.
type backend interface {
	// available says why the server cannot run here, or "".
	available() string
	// setup prepares the server's own files once, before the first
	// configure (directories, ownership, the certificate).
	setup(t testing.TB, s *Server, certs certFiles) error
	// configure writes the configuration for the current ports; extra
	// ports the backend needs it picks itself.
	configure(s *Server) error
	// command returns the server process, not started.
	command(s *Server) *exec.Cmd
	// listening reports from the current log whether every port is bound;
	// an error wrapping errPortTaken when another process holds one.
	listening(s *Server, log []byte) (bool, error)
	// register creates user@Domain.
	register(s *Server, user, pass string) error
	// logFiles are the log files of a run, the main one first.
	logFiles(s *Server) []string
	// outRepeatsLog says whether the server's stdout repeats its log.
	outRepeatsLog() bool
	// lacks says why the server lacks f, or "" when it has it.
	lacks(f Feature) string
	// marks is the log text of ev, or "" when the server does not log it.
	mark(ev LogEvent) string
}

// process is one run of the server binary.
type process struct {
	cmd  *exec.Cmd
	out  *os.File
	done chan struct{} // closed when the process has exited
	err  error         // from Wait, valid after done
}

// newBackend returns the implementation of kind.
func newBackend(kind Kind) backend {
	switch kind {
	case Prosody:
		return &prosody{}
	case Ejabberd:
		return &ejabberd{}
	}
	return nil
}

// Available reports whether the server kind can run here.
func Available(kind Kind) bool {
	b := newBackend(kind)
	return b != nil && b.available() == ""
}

// Start starts a server of the given kind and waits until it serves its
// port and accepts a new account; t.Cleanup stops it (and t.TempDir
// removes the dir). On failure, cleanup writes the server's log to the
// test output. If the server is not installed the test is skipped, except
// when the environment has CI=true: then it fails, since CI must never
// silently skip.
func Start(t testing.TB, kind Kind, opts ...Option) *Server {
	t.Helper()
	impl := newBackend(kind)
	if impl == nil {
		t.Fatalf("servertest: unknown server kind %q", kind)
	}
	if why := impl.available(); why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("servertest: %s: %s", kind, why)
		}
		t.Skipf("servertest: %s: %s; skipping integration test", kind, why)
	}
	dir := t.TempDir()
	s := &Server{
		Kind:   kind,
		Dir:    dir,
		Host:   "127.0.0.1",
		Domain: "localhost",
		MUC:    "conference.localhost",
		impl:   impl,
	}
	for _, o := range opts {
		o(&s.opts)
	}
	if os.Getenv("PARLEY_SERVER_DEBUG") == "1" {
		s.opts.debug = true
	}
	certs, err := writeCerts(dir, []string{s.Domain, s.MUC})
	if err != nil {
		t.Fatalf("servertest: certificate: %v", err)
	}
	s.CAFile, s.CertFile = certs.ca, certs.cert
	if err := impl.setup(t, s, certs); err != nil {
		t.Fatalf("servertest: %s: %v", kind, err)
	}
	// After setup's own cleanups (LIFO): the server stops before its
	// files go.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("servertest: %s log of %s:\n%s", kind, s.Dir, s.Log())
		}
		// A server slow to stop (a busy machine) is killed: not the
		// test's failure.
		if err := s.stop(syscall.SIGTERM); err != nil {
			t.Logf("servertest: stop %s: %v", kind, err)
		}
	})
	for try := 1; ; try++ {
		err = s.tryStart()
		if err == nil {
			break
		}
		if !errors.Is(err, errPortTaken) || try == startTries {
			t.Fatalf("servertest: start %s: %v\n%s", kind, err, s.Log())
		}
	}
	if err := impl.register(s, probeUser, "probe-password"); err != nil {
		t.Fatalf("servertest: %s cannot register users: %v\n%s", kind, err, s.Log())
	}
	return s
}

// errPortTaken reports that another process took a port between the free
// port search and the server binding it.
var errPortTaken = errors.New("port taken by another process")

// tryStart picks free ports, writes the config and starts the server on
// them.
func (s *Server) tryStart() error {
	var err error
	if s.Port, err = freePort(s.Host); err != nil {
		return err
	}
	s.DirectPort, s.HTTPPort, s.HTTPSPort = 0, 0, 0
	if s.opts.fileShare != nil {
		s.Upload = uploadHost
		if s.HTTPPort, err = freePort(s.Host, s.Port); err != nil {
			return err
		}
		if s.HTTPSPort, err = freePort(s.Host, s.Port, s.HTTPPort); err != nil {
			return err
		}
	}
	if s.opts.directTLS {
		if s.DirectPort, err = freePort(s.Host, s.Port, s.HTTPPort, s.HTTPSPort); err != nil {
			return err
		}
	}
	if err := s.impl.configure(s); err != nil {
		return err
	}
	return s.launch()
}

// freePort returns a loopback port that was free a moment ago and is none
// of taken (ports picked already for the same server: the kernel may hand
// out a port just closed again, and a server refuses two listeners on one).
func freePort(host string, taken ...int) (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return 0, err
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !slices.Contains(taken, p) {
			return p, nil
		}
	}
	return 0, errors.New("servertest: no free port distinct from those taken")
}

// launch runs the server in the foreground and waits until it is ready.
// The logs are moved aside first so that readiness looks at this run only;
// earlier runs stay beside it for Log.
func (s *Server) launch() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("already running")
	}
	files := s.impl.logFiles(s)
	for _, f := range files {
		rotate(f)
	}
	out, err := os.OpenFile(s.outPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := s.impl.command(s)
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		out.Close()
		return err
	}
	p := &process{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		out.Close()
		close(p.done)
	}()
	s.proc = p
	if err := s.waitReady(p, files[0]); err != nil {
		s.proc = nil
		killAndWait(p)
		return err
	}
	return nil
}

// outPath is where the server's stdout and stderr go.
func (s *Server) outPath() string { return s.Dir + "/" + string(s.Kind) + ".out" }

// rotate moves the log at path aside, to rotated(path, n) for the first
// free n from 1. (Not path.N: ejabberd deletes those when it starts.)
func rotate(path string) {
	if _, err := os.Stat(path); err != nil {
		return
	}
	for n := 1; ; n++ {
		dst := rotated(path, n)
		if _, err := os.Stat(dst); errors.Is(err, os.ErrNotExist) {
			_ = os.Rename(path, dst)
			return
		}
	}
}

// rotated is the name of the log at path of the n-th earlier run.
func rotated(path string, n int) string {
	return filepath.Join(filepath.Dir(path), "run"+strconv.Itoa(n)+"-"+filepath.Base(path))
}

// waitReady waits until the server logs that it bound our ports and
// answers a stream header on the c2s port with stream features. Checking
// the log guards against talking to another process that grabbed the port.
func (s *Server) waitReady(p *process, logPath string) error {
	deadline := time.Now().Add(readyTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		exited := false
		select {
		case <-p.done:
			exited = true
		default:
		}
		log, _ := os.ReadFile(logPath)
		bound, err := s.impl.listening(s, log)
		if err != nil {
			return err // a port taken makes ejabberd exit: say so
		}
		if exited {
			return fmt.Errorf("%s exited early: %v", s.Kind, p.err)
		}
		if bound {
			if lastErr = probeStream(s.Addr(), s.Domain); lastErr == nil {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %v (last probe: %v)", readyTimeout, lastErr)
}

// lastLine returns the last line of log that contains sub.
func lastLine(log []byte, sub string) string {
	lines := strings.Split(string(log), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], sub) {
			return lines[i]
		}
	}
	return ""
}

// probeStream opens an XMPP client stream to addr and waits for the stream
// features, which the server sends only once the host is active.
func probeStream(addr, domain string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte(streamHeader(domain))); err != nil {
		return err
	}
	var got []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(got, []byte("</stream:features>")) {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return fmt.Errorf("no stream features (got %q): %w", got, err)
		}
	}
	if !bytes.Contains(got, []byte("starttls")) {
		return fmt.Errorf("stream features without starttls: %q", got)
	}
	return nil
}

// streamHeader is the opening of a client stream to domain.
func streamHeader(domain string) string {
	return "<?xml version='1.0'?><stream:stream to='" + domain +
		"' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
}

// Addr is "Host:Port", the c2s (STARTTLS) address.
func (s *Server) Addr() string {
	return net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
}

// DirectAddr is "Host:DirectPort", the direct TLS address; empty unless the
// server was started WithDirectTLS.
func (s *Server) DirectAddr() string {
	if s.DirectPort == 0 {
		return ""
	}
	return net.JoinHostPort(s.Host, strconv.Itoa(s.DirectPort))
}

// TLSConfig returns a client TLS configuration that trusts only CAFile and
// expects the certificate of Domain.
func (s *Server) TLSConfig(t testing.TB) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("servertest: no certificate in %s", s.CAFile)
	}
	return &tls.Config{ServerName: s.Domain, RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// AddUser registers user@Domain and returns its bare JID. The server must
// be running (ejabberd creates accounts only through the running server).
func (s *Server) AddUser(t testing.TB, user, pass string) jid.JID {
	t.Helper()
	j, err := jid.New(user, s.Domain, "")
	if err != nil {
		t.Fatalf("servertest: AddUser %s: %v", user, err)
	}
	if err := s.impl.register(s, user, pass); err != nil {
		t.Fatalf("servertest: AddUser %s on %s: %v", user, s.Kind, err)
	}
	return j
}

// runCtl runs cmd with a timeout and returns its combined output.
func runCtl(cmd *exec.Cmd) (string, error) {
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(ctlTimeout):
		_ = cmd.Process.Kill()
		<-done
		return out.String(), fmt.Errorf("%s: timed out after %v", strings.Join(cmd.Args, " "), ctlTimeout)
	}
}
