package servertest

import (
	"fmt"
	"path/filepath"
)

// FileShare: the server runs an XEP-0363 HTTP upload service
// (WithFileShare).
const FileShare Feature = "HTTP file upload (XEP-0363)"

// fileShare is what WithFileShare asked for.
type fileShare struct {
	limit  int64  // largest file, bytes
	scheme string // "http" or "https": the URLs the slots name
}

// WithFileShare runs an HTTP upload service (XEP-0363) at
// Server.Upload that takes files up to limit bytes and whose slots name
// scheme ("http" or "https") URLs on 127.0.0.1. Both an HTTP and an HTTPS
// port listen (Server.HTTPPort, Server.HTTPSPort); the HTTPS certificate
// is signed by the test CA (Server.CAFile). A test using it requires
// FileShare.
func WithFileShare(limit int64, scheme string) Option {
	return func(o *options) { o.fileShare = &fileShare{limit: limit, scheme: scheme} }
}

// uploadHost is the address of the upload service.
const uploadHost = "upload.localhost"

// prosodyFileShare writes Prosody's http_file_share component and its
// ports (mod_http_file_share, Prosody 0.12).
func (p *prosody) fileShare(s *Server, w func(string, ...any)) {
	fs := s.opts.fileShare
	port := s.HTTPPort
	if fs.scheme == "https" {
		port = s.HTTPSPort
	}
	w("")
	w("Component %s \"http_file_share\"", luaString(s.Upload))
	w("\thttp_file_share_size_limit = %d", fs.limit)
	w("\thttp_file_share_daily_quota = %d", 100*fs.limit)
	w("\thttp_external_url = %s", luaString(fmt.Sprintf("%s://%s:%d/", fs.scheme, s.Host, port)))
	w("\thttp_file_share_path = %s", luaString(filepath.Join(p.dataPath, "uploads")))
}

// prosodyHTTP writes the global HTTP settings: ports private to this
// server, the default host for requests by address, the certificate.
func (p *prosody) httpGlobals(s *Server, w func(string, ...any)) {
	w("http_ports = %s", portList(s.HTTPPort))
	w("https_ports = %s", portList(s.HTTPSPort))
	w("http_interfaces = { %s }", luaString(s.Host))
	w("https_interfaces = { %s }", luaString(s.Host))
	w("http_default_host = %s", luaString(s.Upload))
	w("https_ssl = { certificate = %s; key = %s }", luaString(p.certs.cert), luaString(p.certs.key))
	w("http_max_content_size = %d", s.opts.fileShare.limit+1<<20)
}
