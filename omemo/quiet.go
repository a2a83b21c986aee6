package omemo

import (
	"sync"

	"go.mau.fi/libsignal/logger"
)

// silent is a libsignal logger that drops everything. libsignal's default
// logger prints errors to stderr, which would draw over the terminal UI
// (and it logs key material at debug level).
type silent struct{}

func (silent) Debug(string, string)   {}
func (silent) Info(string, string)    {}
func (silent) Warning(string, string) {}
func (silent) Error(string, string)   {}
func (silent) Configure(string)       {}

// quietOnce silences libsignal's process-wide logger before first use.
// It is the package's only package-level variable, forced by libsignal
// keeping its logger in one: it is set once, before any libsignal call of
// ours, and never changed after.
var quietOnce sync.Once

func quiet() {
	quietOnce.Do(func() {
		var l logger.Loggable = silent{}
		logger.Setup(&l)
	})
}
