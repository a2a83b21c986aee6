//go:build !linux

package history

import "os"

// inHole reports whether f holds no data in [from, to); without a portable
// SEEK_DATA it never knows, so every byte is read.
func inHole(f *os.File, from, to int64) bool { return false }

// skipHole would move f's offset, which is from, past a hole starting
// there; without SEEK_DATA it stays.
func skipHole(f *os.File, from int64) (int64, error) { return from, nil }
