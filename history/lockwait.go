package history

import (
	"context"
	"errors"
	"time"
)

// lockPoll is how often OpenWait tries the lock again.
const lockPoll = 20 * time.Millisecond

// OpenWait is Open that waits, up to wait, while another process holds the
// directory: a parley that is exiting (its terminal just closed) lets go of
// it within moments, and the one started meanwhile should not fail for
// that. waiting, if not nil, is called once, with the holder, when the lock
// is still held after notify; the last *LockedError is returned when wait
// passes (or ctx ends) first.
func OpenWait(ctx context.Context, dir string, wait, notify time.Duration, waiting func(*LockedError)) (*Store, error) {
	start := time.Now()
	told := false
	for {
		s, err := Open(dir)
		var locked *LockedError
		if !errors.As(err, &locked) {
			return s, err
		}
		waited := time.Since(start)
		if waited >= wait {
			return nil, err
		}
		if !told && waited >= notify && waiting != nil {
			told = true
			waiting(locked)
		}
		t := time.NewTimer(min(lockPoll, wait-waited))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, err
		}
	}
}
