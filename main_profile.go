package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// profiled runs f, writing a CPU profile of it to cpuFile when cpuFile is
// not "" (the hidden PARLEY_CPUPROFILE switch that bench/ uses), and heap
// profiles when memFile is not "" (PARLEY_MEMPROFILE, for bench's
// TestBinaryMemory): every allocation is sampled (PARLEY_MEMPROFILE_RATE
// sets runtime.MemProfileRate otherwise; 0 keeps only the memory classes);
// on SIGUSR1 the runtime's memory classes go to memFile.txt and, after a
// collection, the heap profile to memFile; the profile of the largest live
// heap so far to memFile.peak; and on the way out, the profile to
// memFile.exit.
func profiled(cpuFile, memFile string, f func() int) int {
	if memFile != "" {
		runtime.MemProfileRate = 1
		if r, err := strconv.Atoi(os.Getenv("PARLEY_MEMPROFILE_RATE")); err == nil {
			runtime.MemProfileRate = r
		}
		done := make(chan struct{})
		defer close(done)
		go watchPeak(memFile+".peak", done)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGUSR1)
		defer signal.Stop(sig)
		go func() {
			for range sig {
				if err := writeMemClasses(memFile + ".txt"); err != nil {
					fmt.Fprintf(os.Stderr, "parley: %v\n", err)
				}
				if err := writeHeapProfile(memFile); err != nil {
					fmt.Fprintf(os.Stderr, "parley: %v\n", err)
				}
			}
		}()
		defer func() {
			if err := writeHeapProfile(memFile + ".exit"); err != nil {
				fmt.Fprintf(os.Stderr, "parley: %v\n", err)
			}
		}()
	}
	if cpuFile == "" {
		return f()
	}
	out, err := os.Create(cpuFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "parley: %v\n", err)
		return 1
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		fmt.Fprintf(os.Stderr, "parley: %v\n", err)
		return 1
	}
	defer pprof.StopCPUProfile()
	return f()
}

// writeHeapProfile writes the heap profile to file after a collection.
func writeHeapProfile(file string) error {
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(out, 0); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// writeMemClasses writes the runtime's /memory/classes metrics, the heap
// goal and the live heap to file, one "name value" a line.
func writeMemClasses(file string) error {
	var samples []metrics.Sample
	for _, d := range metrics.All() {
		if d.Kind == metrics.KindUint64 && (strings.HasPrefix(d.Name, "/memory/classes/") || strings.HasPrefix(d.Name, "/gc/heap/")) {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(samples)
	var b strings.Builder
	for _, s := range samples {
		fmt.Fprintf(&b, "%s %d\n", s.Name, s.Value.Uint64())
	}
	return os.WriteFile(file, []byte(b.String()), 0o600)
}

// watchPeak writes the heap profile to file each time a collection finds
// more live heap than any before (the profile shows what was live at that
// collection; writing it allocates too, which the profile shows under
// runtime/pprof), until done is closed.
func watchPeak(file string, done <-chan struct{}) {
	samples := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/live:bytes"}}
	var cycles, peak uint64
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		metrics.Read(samples)
		c, live := samples[0].Value.Uint64(), samples[1].Value.Uint64()
		if c == cycles || live <= peak {
			cycles = c
			continue
		}
		cycles, peak = c, live
		out, err := os.Create(file)
		if err != nil {
			continue
		}
		pprof.Lookup("heap").WriteTo(out, 0)
		out.Close()
	}
}
