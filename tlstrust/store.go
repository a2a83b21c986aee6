package tlstrust

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"parley/internal/atomicfile"
	"slices"
	"strings"
	"sync"
	"time"
)

// Store holds the pins of one pin file and the certificates trusted for
// this run only ("trust once"). It is safe from any goroutine; its methods
// that write (Pin, Revoke) do disk I/O: call them off the UI goroutine.
//
// The file is read once, by Open; Pin and Revoke rewrite it whole, through
// a temporary file renamed over it, with mode 0600 in a directory of mode
// 0700. A file that is damaged, too large, or writable by others is not
// used: the store then trusts nothing from it, refuses to write over it
// (the user's pins stay for them to repair), and says why in Err.
type Store struct {
	path string

	mu   sync.Mutex
	pins []Pin
	bad  error                      // why the file could not be used; nil when it could
	once map[string]map[string]bool // server -> fingerprints trusted for this run
}

// Open reads the pin file at path; a file that does not exist is an empty
// store. It always returns a usable store: the error, also kept in Err,
// says the file could not be used (see Store).
func Open(path string) (*Store, error) {
	s := &Store{path: path, once: make(map[string]map[string]bool)}
	pins, err := load(path)
	if err != nil {
		s.bad = err
		return s, err
	}
	s.pins = pins
	return s, nil
}

// load reads and parses the file at path.
func load(path string) ([]Pin, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s: not a regular file", path)
	case st.Mode().Perm()&0o022 != 0:
		return nil, fmt.Errorf("%s: writable by others (mode %04o): anyone could add a pin; make it 0600 (chmod 600)", path, st.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return parse(path, data)
}

// Path is the pin file.
func (s *Store) Path() string { return s.path }

// Err says why the pin file could not be used, nil when it could.
func (s *Store) Err() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bad
}

// Pins returns every pin, by server and then by age.
func (s *Store) Pins() []Pin {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.pins)
	slices.SortStableFunc(out, func(a, b Pin) int {
		if c := strings.Compare(a.Server, b.Server); c != 0 {
			return c
		}
		return a.Added.Compare(b.Added)
	})
	return out
}

// ServerPins returns the pins of server.
func (s *Store) ServerPins(server string) []Pin {
	if s == nil {
		return nil
	}
	server = normServer(server)
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Pin
	for _, p := range s.pins {
		if p.Server == server {
			out = append(out, p)
		}
	}
	return out
}

// trusted reports whether fp is pinned for server or trusted for this run,
// and returns the server's pins.
func (s *Store) trusted(server, fp string) (bool, []Pin) {
	if s == nil {
		return false, nil
	}
	pins := s.ServerPins(server)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.once[normServer(server)][fp] {
		return true, pins
	}
	for _, p := range pins {
		if p.Fingerprint == fp {
			return true, pins
		}
	}
	return false, pins
}

// TrustedBy reports whether fp is pinned for server, and whether it is
// trusted for this run.
func (s *Store) TrustedBy(server, fp string) (pinned, once bool) {
	if s == nil {
		return false, false
	}
	for _, p := range s.ServerPins(server) {
		pinned = pinned || p.Fingerprint == fp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return pinned, s.once[normServer(server)][fp]
}

// TrustOnce trusts c for server until parley ends; nothing is written.
func (s *Store) TrustOnce(server string, c *x509.Certificate) {
	server = normServer(server)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.once[server] == nil {
		s.once[server] = make(map[string]bool)
	}
	s.once[server][Fingerprint(c)] = true
}

// Pin trusts c for server from now on and writes the file. With replace,
// the server's other pins go (the user accepted a changed certificate in
// place of the one pinned). It fails, writing nothing, when the file could
// not be used at Open.
func (s *Store) Pin(server string, c *x509.Certificate, replace bool, now time.Time) error {
	server = normServer(server)
	if err := checkServer(server); err != nil {
		return fmt.Errorf("tlstrust: %q: %w", clip(server, 100), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bad != nil {
		return fmt.Errorf("the pin file cannot be used, so nothing is written to it: %w", s.bad)
	}
	fp := Fingerprint(c)
	pins := slices.DeleteFunc(slices.Clone(s.pins), func(p Pin) bool {
		return p.Server == server && (replace || p.Fingerprint == fp)
	})
	if len(pins) >= MaxPins {
		return fmt.Errorf("%s already holds %d pins: /tls revoke some first", s.path, MaxPins)
	}
	pins = append(pins, Pin{Server: server, Fingerprint: fp, Added: now.UTC().Truncate(time.Second), Note: noteOf(c)})
	if err := writeFile(s.path, format(pins)); err != nil {
		return err
	}
	s.pins = pins
	return nil
}

// Revoke removes the pins whose fingerprint is fp, or starts with it (at
// least 4 bytes, matching one fingerprint only), for every server, and
// forgets it for this run; it writes the file and returns the pins removed.
func (s *Store) Revoke(fp string) ([]Pin, error) {
	h, err := fingerprintHex(fp)
	if err != nil {
		return nil, fmt.Errorf("fingerprint %q: %w", clip(fp, 100), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bad != nil {
		return nil, fmt.Errorf("the pin file cannot be used, so nothing is written to it: %w", s.bad)
	}
	if len(h) < 8 {
		return nil, fmt.Errorf("%s is too short: write at least 4 bytes of the fingerprint", clip(fp, 100))
	}
	match := map[string]bool{}
	for _, p := range s.pins {
		if strings.HasPrefix(strings.ReplaceAll(strings.ToLower(p.Fingerprint), ":", ""), h) {
			match[p.Fingerprint] = true
		}
	}
	switch {
	case len(match) == 0:
		return nil, fmt.Errorf("no pin has the fingerprint %s (/tls trusted lists them)", clip(fp, 100))
	case len(match) > 1:
		return nil, fmt.Errorf("%d pins start with %s: write more of the fingerprint", len(match), clip(fp, 100))
	}
	var gone []Pin
	pins := slices.DeleteFunc(slices.Clone(s.pins), func(p Pin) bool {
		if match[p.Fingerprint] {
			gone = append(gone, p)
			return true
		}
		return false
	})
	if err := writeFile(s.path, format(pins)); err != nil {
		return nil, err
	}
	s.pins = pins
	for _, set := range s.once {
		for f := range match {
			delete(set, f)
		}
	}
	return gone, nil
}

// writeFile replaces path with data atomically: a temporary file of mode
// 0600 beside it, synced, renamed over it, the directory synced.
func writeFile(path string, data []byte) error {
	return atomicfile.Write(path, data)
}
