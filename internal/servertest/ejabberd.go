package servertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// ejabberd runs ejabberd 23.01 as a plain Erlang VM: no distribution (so
// no epmd, node name or cookie), its configuration, Mnesia database, logs
// and certificate in a directory of its own, run as the ejabberd user when
// the tests run as root (that directory is then the ejabberd user's).
// Accounts are created through its HTTP API (mod_http_api) on a private
// loopback port: ejabberdctl would need the distribution.
type ejabberd struct {
	libs    string              // ERL_LIBS: the directory holding ejabberd-VERSION
	own     string              // the server's directory
	cred    *syscall.Credential // the ejabberd user's, when run by root; nil: ours
	apiPort int
}

// ejabberdLibGlobs find the ejabberd application Debian installs.
var ejabberdLibGlobs = []string{
	"/usr/lib/*/ejabberd-*/ebin/ejabberd.app",
	"/usr/lib/ejabberd-*/ebin/ejabberd.app",
}

func (e *ejabberd) available() string {
	if _, err := exec.LookPath("erl"); err != nil {
		return "ejabberd not installed (apt-get install ejabberd): no erl"
	}
	for _, g := range ejabberdLibGlobs {
		if m, _ := filepath.Glob(g); len(m) > 0 {
			e.libs = filepath.Dir(filepath.Dir(filepath.Dir(m[0])))
			return ""
		}
	}
	return "ejabberd not installed (apt-get install ejabberd): no ejabberd.app"
}

// setup makes the server's directory and writes its certificate. As root,
// the directory is a fresh one under the system temp dir owned by the
// ejabberd user (a t.TempDir's parents are private to root).
func (e *ejabberd) setup(t testing.TB, s *Server, certs certFiles) error {
	if os.Geteuid() == 0 {
		u, err := user.Lookup("ejabberd")
		if err != nil {
			return fmt.Errorf("running as root needs the ejabberd user of the package: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		e.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if e.own, err = os.MkdirTemp("", "parley-ejabberd-"); err != nil {
			return err
		}
		t.Cleanup(func() { _ = os.RemoveAll(e.own) })
	} else {
		e.own = filepath.Join(s.Dir, "ejabberd")
		if err := os.Mkdir(e.own, 0o700); err != nil {
			return err
		}
	}
	for _, d := range []string{"db", "log", "home", "upload"} {
		if err := os.Mkdir(filepath.Join(e.own, d), 0o700); err != nil {
			return err
		}
	}
	var pem []byte
	// The leaf and its key, as Prosody is given them: the CA stays with
	// the clients (a chain with it would make it the certificate a client
	// reports as untrusted).
	for _, f := range []string{certs.cert, certs.key} {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		pem = append(pem, b...)
	}
	if err := os.WriteFile(e.path("server.pem"), pem, 0o600); err != nil {
		return err
	}
	return e.chown()
}

// path is a file of the server's directory.
func (e *ejabberd) path(name string) string { return filepath.Join(e.own, name) }

// chown gives the server's directory to the ejabberd user (as root).
func (e *ejabberd) chown() error {
	if e.cred == nil {
		return nil
	}
	return filepath.Walk(e.own, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(e.cred.Uid), int(e.cred.Gid))
	})
}

func (e *ejabberd) command(s *Server) *exec.Cmd {
	// No burst limit on the log (at debug level ejabberd logs thousands of
	// lines a second and would drop the ones tests look for); the console
	// gets critical lines only (startup failures), the file everything.
	cmd := exec.Command("erl", "-noinput", "-mnesia", "dir", strconv.Quote(e.path("db")),
		"-ejabberd", "log_burst_limit_count", "100000000", "quiet", "true", "-s", "ejabberd")
	cmd.Dir = e.own
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + e.path("home"),
		"LANG=C.UTF-8",
		"ERL_LIBS=" + e.libs,
		"EJABBERD_CONFIG_PATH=" + e.path("ejabberd.yml"),
		"EJABBERD_LOG_PATH=" + e.path("log/ejabberd.log"),
		"ERL_CRASH_DUMP=" + e.path("log/erl_crash.dump"),
		"ERL_CRASH_DUMP_BYTES=0",
	}
	attr := procAttr()
	attr.Credential = e.cred
	cmd.SysProcAttr = attr
	return cmd
}

// outRepeatsLog: ejabberd's console handler repeats its critical lines.
func (e *ejabberd) outRepeatsLog() bool { return true }

func (e *ejabberd) logFiles(*Server) []string {
	return []string{e.path("log/ejabberd.log"), e.path("log/error.log"), e.path("log/crash.log")}
}

// listening looks for ejabberd's "Start accepting" lines of our ports.
func (e *ejabberd) listening(s *Server, log []byte) (bool, error) {
	if bytes.Contains(log, []byte("Failed to open socket at")) {
		return false, fmt.Errorf("%w: %s", errPortTaken, lastLine(log, "Failed to open socket at"))
	}
	want := []string{
		fmt.Sprintf("Start accepting TCP connections at %s:%d for ejabberd_c2s", s.Host, s.Port),
		fmt.Sprintf("Start accepting TCP connections at %s:%d for ejabberd_http", s.Host, e.apiPort),
	}
	if s.DirectPort != 0 {
		want = append(want, fmt.Sprintf("Start accepting TLS connections at %s:%d for ejabberd_c2s", s.Host, s.DirectPort))
	}
	if s.opts.fileShare != nil {
		want = append(want, fmt.Sprintf("Start accepting TCP connections at %s:%d for ejabberd_http", s.Host, s.HTTPPort),
			fmt.Sprintf("Start accepting TLS connections at %s:%d for ejabberd_http", s.Host, s.HTTPSPort))
	}
	for _, w := range want {
		if !bytes.Contains(log, []byte(w)) {
			return false, nil
		}
	}
	return true, nil
}

// register creates the account through the HTTP API.
func (e *ejabberd) register(s *Server, user, pass string) error {
	body, err := json.Marshal(map[string]string{"user": user, "host": s.Domain, "password": pass})
	if err != nil {
		return err
	}
	c := http.Client{Timeout: ctlTimeout}
	resp, err := c.Post(fmt.Sprintf("http://%s:%d/api/register", s.Host, e.apiPort), "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("ejabberd API register: %s: %s", resp.Status, text)
	}
	return nil
}

// yamlString quotes s as a YAML double-quoted scalar.
func yamlString(s string) string { return strconv.Quote(s) }

// configure writes the configuration of s: the modules of Debian's
// ejabberd.yml (less those that need ports or limit rates, plus mod_mam
// archiving everything as Prosody does here), TLS and SASL as packaged.
func (e *ejabberd) configure(s *Server) error {
	var err error
	if e.apiPort, err = freePort(s.Host, s.Port, s.HTTPPort, s.HTTPSPort, s.DirectPort); err != nil {
		return err
	}
	level := "info"
	if s.opts.debug {
		level = "debug"
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Generated by parley internal/servertest; private to one test.")
	w("loglevel: %s", level)
	w("log_rotate_size: infinity")
	w("hide_sensitive_log_data: false")
	w("hosts:\n  - %s", yamlString(s.Domain))
	w("certfiles:\n  - %s", yamlString(e.path("server.pem")))
	w("define_macro:")
	w("  'TLS_CIPHERS': \"HIGH:!aNULL:!eNULL:!3DES:@STRENGTH\"")
	w("  'TLS_OPTIONS':\n    - \"no_sslv3\"\n    - \"no_tlsv1\"\n    - \"no_tlsv1_1\"\n    - \"cipher_server_preference\"\n    - \"no_compression\"")
	w("c2s_ciphers: 'TLS_CIPHERS'")
	w("c2s_protocol_options: 'TLS_OPTIONS'")
	w("listen:")
	w("  -\n    port: %d\n    ip: %s\n    module: ejabberd_c2s\n    max_stanza_size: 262144\n    access: c2s\n    starttls_required: true", s.Port, yamlString(s.Host))
	if s.DirectPort != 0 {
		w("  -\n    port: %d\n    ip: %s\n    module: ejabberd_c2s\n    max_stanza_size: 262144\n    access: c2s\n    tls: true", s.DirectPort, yamlString(s.Host))
	}
	w("  -\n    port: %d\n    ip: %s\n    module: ejabberd_http\n    request_handlers:\n      /api: mod_http_api", e.apiPort, yamlString(s.Host))
	if fs := s.opts.fileShare; fs != nil {
		// mod_http_upload on two listeners of its own, plain and TLS.
		w("  -\n    port: %d\n    ip: %s\n    module: ejabberd_http\n    request_handlers:\n      /upload: mod_http_upload", s.HTTPPort, yamlString(s.Host))
		w("  -\n    port: %d\n    ip: %s\n    module: ejabberd_http\n    tls: true\n    request_handlers:\n      /upload: mod_http_upload", s.HTTPSPort, yamlString(s.Host))
	}
	w("disable_sasl_mechanisms:\n  - \"digest-md5\"\n  - \"X-OAUTH2\"")
	w("s2s_access: none")
	if s.opts.register {
		w("registration_timeout: infinity") // tests register several accounts from one address at once
	}
	w("auth_password_format: scram")
	w("acl:\n  local:\n    user_regexp: \"\"\n  loopback:\n    ip:\n      - 127.0.0.0/8\n      - ::1/128")
	if s.opts.admin != "" { // WithAdmin
		w("  admin:\n    user:\n      - %s", yamlString(s.opts.admin+"@"+s.Domain))
	}
	w("access_rules:\n  local:\n    allow: local\n  c2s:\n    allow: all\n  muc_create:\n    allow: local\n  pubsub_createnode:\n    allow: local")
	if s.opts.admin != "" {
		w("  configure:\n    allow: admin\n  announce:\n    allow: admin")
	}
	w("api_permissions:\n  \"parley tests\":\n    from:\n      - mod_http_api\n    who:\n      acl: loopback\n    what: \"*\"")
	w("modules:")
	for _, m := range []string{
		"mod_adhoc: {}", "mod_admin_extra: {}", "mod_avatar: {}", "mod_blocking: {}",
		"mod_caps: {}", "mod_carboncopy: {}", "mod_client_state: {}", "mod_configure: {}",
		"mod_disco: {}", "mod_http_api: {}", "mod_last: {}",
		"mod_mam:\n    default: always",
		"mod_muc:\n    access:\n      - allow\n    access_admin:\n      - allow: admin\n    access_create: muc_create\n    access_persistent: muc_create\n    access_mam:\n      - allow\n    default_room_options:\n      mam: true",
		"mod_muc_admin: {}", "mod_offline: {}", "mod_ping: {}", "mod_privacy: {}", "mod_private: {}",
		"mod_pubsub:\n    access_createnode: pubsub_createnode\n    plugins:\n      - flat\n      - pep\n    force_node_config:\n      \"eu.siacs.conversations.axolotl.*\":\n        access_model: open\n      storage:bookmarks:\n        access_model: whitelist",
		"mod_roster:\n    versioning: true",
		"mod_sic: {}",
		"mod_stream_mgmt:\n    resend_on_timeout: if_offline" + smResume(s.opts),
		"mod_vcard:\n    search: false", "mod_vcard_xupdate: {}", "mod_version: {}",
	} {
		w("  %s", m)
	}
	if s.opts.admin != "" {
		w("  mod_announce:\n    access: announce") // WithAdmin
	}
	switch {
	case s.opts.registerURL != "":
		w("  mod_register:\n    access: none\n    redirect_url: %s", yamlString(s.opts.registerURL))
	case s.opts.register:
		w("  mod_register:\n    access: all\n    ip_access: all")
	}
	if fs := s.opts.fileShare; fs != nil {
		port := s.HTTPPort
		if fs.scheme == "https" {
			port = s.HTTPSPort
		}
		w("  mod_http_upload:\n    host: %s\n    put_url: %s\n    docroot: %s\n    max_size: %d\n    thumbnail: false",
			yamlString(s.Upload), yamlString(fmt.Sprintf("%s://%s:%d/upload", fs.scheme, s.Host, port)), yamlString(e.path("upload")), fs.limit)
	}
	if err := os.WriteFile(e.path("ejabberd.yml"), []byte(b.String()), 0o600); err != nil {
		return err
	}
	return e.chown()
}

// smResume is the resume_timeout line of mod_stream_mgmt, if one is asked.
func smResume(o options) string {
	if secs := o.smSeconds(); secs > 0 {
		return fmt.Sprintf("\n    resume_timeout: %d", secs)
	}
	return ""
}
