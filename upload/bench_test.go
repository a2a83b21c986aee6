package upload_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"parley/internal/servertest"
	"parley/upload"
)

// peakRSS is this process's peak resident memory (VmHWM) in bytes.
func peakRSS() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n << 10
		}
	}
	return 0
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkUpload100MB uploads a 100 MB file to a local Prosody
// (http_file_share) per iteration, plain over http and encrypted over
// https, reporting parley's CPU per upload and the process's peak RSS
// (flat in the file size: the file is streamed).
func BenchmarkUpload100MB(b *testing.B) {
	const size = 100 << 20
	for _, c := range []struct {
		scheme  string
		encrypt bool
	}{{"http", false}, {"https", true}} {
		b.Run(c.scheme, func(b *testing.B) {
			s := servertest.Start(b, servertest.Prosody, servertest.WithFileShare(size+(1<<20), c.scheme))
			a := onlineB(b, s)
			client, err := a.HTTPClient()
			if err != nil {
				b.Fatal(err)
			}
			f, err := os.CreateTemp(b.TempDir(), "big-*.bin")
			if err != nil {
				b.Fatal(err)
			}
			if err := f.Truncate(size); err != nil {
				b.Fatal(err)
			}
			f.Close()
			b.SetBytes(size)
			cpu0 := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				if _, err := (&upload.Job{Path: f.Name(), Client: client, Slot: a.UploadSlot, Encrypt: c.encrypt}).Run(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
			b.ReportMetric(float64(peakRSS())/(1<<20), "peakRSS-MB")
		})
	}
}
