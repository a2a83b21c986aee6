package prosodytest

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
	readyTimeout = 30 * time.Second // Prosody start to serving the port
	stopTimeout  = 15 * time.Second // SIGTERM to exit before SIGKILL
	ctlTimeout   = 30 * time.Second // one prosodyctl run
	startTries   = 3                // port races with other processes
)

// probeUser is registered by Start to prove that prosodyctl works with the
// generated configuration. Tests may ignore it.
const probeUser = "prosodytest-probe"

// Server is a Prosody instance private to a test: temp dir with config,
// data, certificate, pid file; c2s on a random free loopback port.
type Server struct {
	Dir        string // its temp dir, removed when the test ends
	Host       string // "127.0.0.1"
	Port       int    // c2s port (STARTTLS)
	DirectPort int    // direct TLS port (XEP-0368), 0 unless WithDirectTLS
	Domain     string // "localhost"
	MUC        string // "conference.localhost": MUC component with muc_mam, no room locking
	CAFile     string // PEM of the CA that signed the server certificate, for clients to trust

	opts     options
	cfgPath  string
	logPath  string
	outPath  string // Prosody's stdout and stderr
	pidPath  string
	dataPath string

	mu   sync.Mutex
	proc *process // nil when not running
}

// process is one run of the prosody binary.
type process struct {
	cmd  *exec.Cmd
	out  *os.File
	done chan struct{} // closed when the process has exited
	err  error         // from Wait, valid after done
}

// Available reports whether prosody and prosodyctl are installed.
func Available() bool {
	for _, name := range []string{"prosody", "prosodyctl"} {
		if _, err := exec.LookPath(name); err != nil {
			return false
		}
	}
	return true
}

// Start starts Prosody and waits until it serves its port and prosodyctl can
// register a user; t.Cleanup stops it (and t.TempDir removes the dir). On
// failure, cleanup writes Prosody's log to the test output. If Prosody is
// not installed the test is skipped, except when the environment has
// CI=true: then it fails, since CI must never silently skip.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	if !Available() {
		if os.Getenv("CI") == "true" {
			t.Fatal("prosodytest: prosody/prosodyctl not installed (apt-get install prosody lua-dbi-sqlite3)")
		}
		t.Skip("prosodytest: prosody not installed; skipping integration test")
	}
	dir := t.TempDir()
	s := &Server{
		Dir:      dir,
		Host:     "127.0.0.1",
		Domain:   "localhost",
		MUC:      "conference.localhost",
		cfgPath:  filepath.Join(dir, "prosody.cfg.lua"),
		logPath:  filepath.Join(dir, "prosody.log"),
		outPath:  filepath.Join(dir, "prosody.out"),
		pidPath:  filepath.Join(dir, "prosody.pid"),
		dataPath: filepath.Join(dir, "data"),
	}
	for _, o := range opts {
		o(&s.opts)
	}
	if err := os.Mkdir(s.dataPath, 0o750); err != nil {
		t.Fatalf("prosodytest: %v", err)
	}
	certs, err := writeCerts(dir, []string{s.Domain, s.MUC})
	if err != nil {
		t.Fatalf("prosodytest: certificate: %v", err)
	}
	s.CAFile = certs.ca
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("prosodytest: Prosody log of %s:\n%s", s.Dir, s.Log())
		}
		if err := s.stop(syscall.SIGTERM); err != nil {
			t.Errorf("prosodytest: stop: %v", err)
		}
	})

	for try := 1; ; try++ {
		err = s.tryStart(certs)
		if err == nil {
			break
		}
		if !errors.Is(err, errPortTaken) || try == startTries {
			t.Fatalf("prosodytest: start: %v\n%s", err, s.Log())
		}
	}
	if _, err := s.register(probeUser, "probe-password"); err != nil {
		t.Fatalf("prosodytest: prosodyctl cannot register users: %v\n%s", err, s.Log())
	}
	return s
}

// errPortTaken reports that another process took a port between the free
// port search and Prosody binding it.
var errPortTaken = errors.New("port taken by another process")

// tryStart picks free ports, writes the config and starts Prosody on them.
func (s *Server) tryStart(certs certFiles) error {
	var err error
	if s.Port, err = freePort(s.Host); err != nil {
		return err
	}
	s.DirectPort = 0
	if s.opts.directTLS {
		if s.DirectPort, err = freePort(s.Host); err != nil {
			return err
		}
	}
	if err := s.writeConfig(certs); err != nil {
		return err
	}
	return s.launch()
}

// freePort returns a loopback port that was free a moment ago.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch runs prosody in the foreground and waits until it is ready. The
// log is truncated first so that readiness looks at this run only; earlier
// runs stay in prosody.log.N for Log.
func (s *Server) launch() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("already running")
	}
	s.rotateLog()
	out, err := os.OpenFile(s.outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command("prosody", "-F", "--config", s.cfgPath)
	cmd.Dir = s.Dir
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = procAttr()
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
	if err := s.waitReady(p); err != nil {
		s.proc = nil
		killAndWait(p)
		return err
	}
	return nil
}

// rotateLog moves the current log aside (prosody.log.1, .2, ...).
func (s *Server) rotateLog() {
	if _, err := os.Stat(s.logPath); err != nil {
		return
	}
	for n := 1; ; n++ {
		dst := s.logPath + "." + strconv.Itoa(n)
		if _, err := os.Stat(dst); errors.Is(err, os.ErrNotExist) {
			_ = os.Rename(s.logPath, dst)
			return
		}
	}
}

// waitReady waits until Prosody logs that it bound our ports and answers a
// stream header on the c2s port with stream features. Checking the log
// guards against talking to another process that grabbed the port.
func (s *Server) waitReady(p *process) error {
	want := []string{fmt.Sprintf("'c2s' on [%s]:%d", s.Host, s.Port)}
	if s.DirectPort != 0 {
		want = append(want, fmt.Sprintf("'c2s_direct_tls' on [%s]:%d", s.Host, s.DirectPort))
	}
	deadline := time.Now().Add(readyTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("prosody exited early: %v", p.err)
		default:
		}
		log, _ := os.ReadFile(s.logPath)
		if bytes.Contains(log, []byte("Failed to open server port")) {
			return fmt.Errorf("%w: %s", errPortTaken, lastLine(log, "Failed to open server port"))
		}
		bound := true
		for _, w := range want {
			bound = bound && bytes.Contains(log, []byte(w))
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
// features, which Prosody sends only once the host is active.
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
		t.Fatalf("prosodytest: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("prosodytest: no certificate in %s", s.CAFile)
	}
	return &tls.Config{ServerName: s.Domain, RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// AddUser registers user@Domain with prosodyctl and returns its bare JID.
// It works whether or not Prosody is running.
func (s *Server) AddUser(t testing.TB, user, pass string) jid.JID {
	t.Helper()
	j, err := s.register(user, pass)
	if err != nil {
		t.Fatalf("prosodytest: AddUser %s: %v", user, err)
	}
	return j
}

// register runs prosodyctl register.
func (s *Server) register(user, pass string) (jid.JID, error) {
	j, err := jid.New(user, s.Domain, "")
	if err != nil {
		return jid.JID{}, err
	}
	if out, err := s.Ctl("register", user, s.Domain, pass); err != nil {
		return jid.JID{}, fmt.Errorf("%v: %s", err, out)
	}
	return j, nil
}

// Ctl runs prosodyctl with this server's configuration and the given
// arguments (e.g. "deluser", "a@localhost") and returns its combined output.
func (s *Server) Ctl(args ...string) (string, error) {
	cmd := exec.Command("prosodyctl", append([]string{"--config", s.cfgPath}, args...)...)
	cmd.Dir = s.Dir
	cmd.SysProcAttr = procAttr()
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
		return out.String(), fmt.Errorf("prosodyctl %s: timed out after %v", strings.Join(args, " "), ctlTimeout)
	}
}
