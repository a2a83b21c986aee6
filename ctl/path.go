package ctl

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// Dir is the directory of the control sockets: $XDG_RUNTIME_DIR/parley,
// or, where XDG_RUNTIME_DIR is unset (the XDG base directory spec lets an
// application fall back to a directory of its own with the same
// guarantees), parley-UID in the temporary directory. getenv is os.Getenv.
func Dir(getenv func(string) string) string {
	if d := getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "parley")
	}
	tmp := getenv("TMPDIR")
	if tmp == "" || !filepath.IsAbs(tmp) {
		tmp = "/tmp"
	}
	return filepath.Join(tmp, "parley-"+strconv.Itoa(os.Getuid()))
}

// SocketPath is the control socket of the parley that runs with the
// config file config in dir: "ctl" for the default config (isDefault),
// else "ctl-" and a hash of the config's absolute path, so that a parley
// started with -c FILE and `parley -c FILE send` meet.
func SocketPath(dir, config string, isDefault bool) string {
	if isDefault || config == "" {
		return filepath.Join(dir, "ctl")
	}
	if abs, err := filepath.Abs(config); err == nil {
		config = abs
	}
	sum := sha256.Sum256([]byte(config))
	return filepath.Join(dir, "ctl-"+hex.EncodeToString(sum[:6]))
}

// dirOf is filepath.Dir.
func dirOf(path string) string { return filepath.Dir(path) }

// privateDir makes dir (0700) if it is missing and checks that it is a
// directory of ours that nobody else can enter: a directory another user
// made in a shared /tmp, or a symlink, is refused.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("control socket: %s is not a directory", dir)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return errors.New("control socket: cannot read the owner of " + dir)
	}
	if int(st.Uid) != os.Getuid() {
		return fmt.Errorf("control socket: %s belongs to user %d, not to us", dir, st.Uid)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("control socket: %w", err)
		}
	}
	return nil
}
