package history

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// seekData is lseek's SEEK_DATA on Linux.
const seekData = 3

// inHole reports whether f holds no data in [from, to): a hole of a sparse
// file (what a crash can leave at the end of a file being extended), which
// reads as NUL bytes and so holds no newline. False when unsure.
func inHole(f *os.File, from, to int64) bool {
	d, err := f.Seek(from, seekData)
	if errors.Is(err, syscall.ENXIO) {
		return true // no data at or after from
	}
	return err == nil && d >= to
}

// skipHole moves f's offset, which is from, past a hole starting there: to
// the next data, or the end of the file if there is none. It returns the
// new offset.
func skipHole(f *os.File, from int64) (int64, error) {
	d, err := f.Seek(from, seekData)
	if errors.Is(err, syscall.ENXIO) {
		return f.Seek(0, io.SeekEnd)
	}
	return d, err
}
