package history

import (
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrLocked is matched (with errors.Is) by the error Open returns when another
// process holds the history directory. The error itself is a *LockedError.
var ErrLocked = errors.New("history directory is in use by another process")

// ErrReadOnly is returned by writes on a store opened with OpenReadOnly.
var ErrReadOnly = errors.New("history store is open read-only")

// LockedError says which directory is locked and by which process.
type LockedError struct {
	Dir string // the history directory
	PID int    // the process holding the lock, 0 if unknown
}

// Error implements error.
func (e *LockedError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = "process " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("history directory %s is in use by %s (is another parley running?)", e.Dir, who)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Store is an open history directory. All methods are safe for concurrent
// use. A Store opened with Open is the only writer of its directory; any
// number of read-only Stores (in this or other processes) may read it at the
// same time and see every complete record.
type Store struct {
	dir      string
	readOnly bool
	lock     *os.File // nil when read-only
	seed     maphash.Seed

	mu       sync.Mutex
	convs    map[convKey]*convState // at most maxOpenConvs (append.go)
	tick     uint64                 // counts state calls, for convState.used
	closed   bool
	warnings []string
	warned   map[string]bool
	dropped  int
	gaps     map[string]bool  // accounts with a failed write since Open (markGap)
	erase    map[convKey]bool // conversations with a retraction or moderation to erase (erase.go)
	onWarn   func(string)     // set by OnWarning
	sent     int              // warnings handed to onWarn

	stop chan struct{}
	done chan struct{}
}

type convKey struct{ account, conv string }

// Conv names one conversation of one account.
type Conv struct {
	Account string // bare JID of the account
	Conv    string // bare JID of the peer or room, or room@service/nick for a private chat
}

// syncInterval is how often dirty files are fsynced.
const syncInterval = time.Second

// maxWarnings bounds the warnings kept until Warnings drains them.
const maxWarnings = 100

// Open opens the history directory dir for reading and writing, creating it
// with mode 0700 if needed, and takes an exclusive lock on it (flock on
// dir/.lock, which holds the pid of the holder). If another process holds the
// lock, Open returns a *LockedError (errors.Is(err, ErrLocked)); the caller
// may then fall back to OpenReadOnly.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	lf, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid := 0
		if b, rerr := os.ReadFile(filepath.Join(dir, lockName)); rerr == nil {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		lf.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{Dir: dir, PID: pid}
		}
		return nil, fmt.Errorf("history: lock %s: %w", dir, err)
	}
	if err := lf.Truncate(0); err == nil {
		_, _ = lf.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	s := newStore(dir, false)
	s.lock = lf
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	go s.syncLoop()
	return s, nil
}

// OpenReadOnly opens dir for reading only, without a lock: for `parley
// history` and for a second parley process. It never writes; records being
// written by another process become visible once complete.
func OpenReadOnly(dir string) (*Store, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("history: %s is not a directory", dir)
	}
	return newStore(dir, true), nil
}

func newStore(dir string, ro bool) *Store {
	return &Store{
		dir:      dir,
		readOnly: ro,
		seed:     maphash.MakeSeed(),
		convs:    make(map[convKey]*convState),
		warned:   make(map[string]bool),
	}
}

// Dir returns the history directory.
func (s *Store) Dir() string { return s.dir }

// ReadOnly reports whether the store was opened with OpenReadOnly.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Warnings returns, and forgets, the warnings collected since the last call:
// skipped malformed or overlong lines, repaired torn lines. Each problem is
// reported once per Store; at most 100 are kept between calls. After
// OnWarning, warnings go to its function instead.
func (s *Store) Warnings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.takeWarningsLocked()
}

func (s *Store) takeWarningsLocked() []string {
	w := s.warnings
	if s.dropped > 0 {
		w = append(w, fmt.Sprintf("history: %d more warnings not shown", s.dropped))
	}
	s.warnings, s.dropped = nil, 0
	return w
}

// OnWarning makes the store hand every warning to fn as it is found (first
// those collected so far), instead of keeping them for Warnings: for a
// program that shows them as they come. fn is called without locks held, on
// the goroutine whose read or write found the problem, so it must not block
// (post the text to an event queue). Each problem is reported once; after
// 100 warnings, one more says that the rest are not shown.
func (s *Store) OnWarning(fn func(msg string)) {
	s.mu.Lock()
	pending := s.takeWarningsLocked()
	s.onWarn = fn
	s.sent = len(pending)
	s.mu.Unlock()
	for _, w := range pending {
		fn(w)
	}
}

// warn records a warning once per key, or hands it to the OnWarning
// function.
func (s *Store) warn(key, msg string) {
	s.mu.Lock()
	if s.warned[key] {
		s.mu.Unlock()
		return
	}
	if len(s.warned) < 100000 {
		s.warned[key] = true
	}
	fn := s.onWarn
	switch {
	case fn != nil && s.sent < maxWarnings:
		s.sent++
	case fn != nil:
		if s.sent++; s.sent > maxWarnings+1 {
			fn = nil
		} else {
			msg = "history: more warnings about history files are not shown (`parley history` lists those of a conversation)"
		}
	case len(s.warnings) >= maxWarnings:
		s.dropped++
	default:
		s.warnings = append(s.warnings, msg)
	}
	s.mu.Unlock()
	if fn != nil {
		fn(msg)
	}
}

// malformed reports a skipped line.
func (s *Store) malformed(path string, off int64) {
	s.warn(path+"@"+strconv.FormatInt(off, 10),
		fmt.Sprintf("history: %s: skipped malformed line at byte %d", path, off))
}

// paths returns the main and older file of a conversation.
func (s *Store) paths(account, conv string) (main, older string) {
	base := filepath.Join(s.dir, EncodeName(account), EncodeName(conv))
	return base + mainSuffix, base + olderSuffix
}

func checkNames(account, conv string) error {
	if account == "" || conv == "" {
		return errors.New("history: empty account or conversation name")
	}
	return nil
}

// syncLoop fsyncs dirty files at most once per syncInterval.
func (s *Store) syncLoop() {
	defer close(s.done)
	t := time.NewTicker(syncInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.syncDirty()
		}
	}
}

// syncDirty fsyncs every file written since the last sync.
func (s *Store) syncDirty() error {
	s.mu.Lock()
	var files []*os.File
	for _, c := range s.convs {
		for _, f := range []*segFile{&c.main, &c.older} {
			if f.dirty && f.f != nil {
				files = append(files, f.f)
				f.dirty = false
			}
		}
	}
	s.mu.Unlock()
	var first error
	for _, f := range files {
		if err := f.Sync(); err != nil && first == nil && !errors.Is(err, os.ErrClosed) {
			first = err
		}
	}
	return first
}

// Close syncs and closes every file and releases the lock.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	if s.readOnly {
		return nil
	}
	close(s.stop)
	<-s.done
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	keep(s.eraseAll())
	s.mu.Lock()
	convs := make([]*convState, 0, len(s.convs))
	for _, c := range s.convs {
		convs = append(convs, c)
	}
	s.mu.Unlock()
	for _, c := range convs {
		c.mu.Lock()
		for _, f := range []*segFile{&c.main, &c.older} {
			if f.f != nil {
				keep(f.f.Sync())
				keep(f.f.Close())
				s.mu.Lock()
				f.f = nil
				s.mu.Unlock()
			}
		}
		c.mu.Unlock()
	}
	keep(s.lock.Truncate(0))
	keep(s.lock.Close()) // closing releases the flock
	return first
}
