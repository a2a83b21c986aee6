// Package bench measures parley against the figures of issue 2 (start to
// roster shown with 2,000 contacts, resident memory, CPU to ingest 10,000
// messages, key echo during that flood). Figures are printed, never
// asserted.
//
//   - BenchmarkPipeline: in-process ceiling of chatlog + history + UI (Post,
//     drain, draw on a simulation screen) per incoming message. The stanza
//     decoding in front of it is account's BenchmarkIngest.
//   - TestKeyEchoInProcess: key echo delay (key injected into the simulation
//     screen until the input line's cursor moves), sampled every 10 ms
//     during a 10,000-message flood.
//   - TestBinary: the real binary in tmux against Prosody: start to roster
//     shown with 2,000 contacts, VmRSS/VmHWM after connect, CPU seconds to
//     ingest 10,000 messages sent by a Go client through Prosody, and a
//     coarse key echo through tmux during that flood.
//     PARLEY_BENCH_BIN measures another build; PARLEY_BENCH_CGO=0 builds
//     it without cgo (static), PARLEY_BENCH_LDFLAGS passes -ldflags (such
//     as "-s -w"); PARLEY_BENCH_ENV adds variables to its environment.
//   - TestWakeFloor: the floor under TestSteady's and the flood's figures
//     on this machine: receivers that do nothing but read the steady
//     stream (in C over plain TCP; in Go over TCP, over TLS, and over TLS
//     with a write(2) a message), one stanza a read, CPU from /proc.
//   - TestBinaryMemory: (b) of TestBinary alone, a few seconds a build,
//     for the default build, CGO_ENABLED=0 and -ldflags="-s -w" in one
//     run, with the resident memory split by mapping (the binary's code,
//     read-only data and data, libc, the anonymous memory of the Go heap
//     and stacks). PARLEY_BENCH_ENV="PARLEY_MEMPROFILE=FILE" has the
//     binary write its heap profile (every allocation) and the runtime's
//     memory classes once measured, and FILE.peak at the largest live heap.
//   - TestEveryFeature: the binary with every feature of issue 12 on (bell,
//     title, desktop notifications on a real session bus, light theme,
//     mouse, highlight words, 20 windows restored): start with 0 and 20
//     windows, key echo during a 10,000-message flood, and mcabber flooded
//     the same way in the same run.
//
// The two tests run only with PARLEY_BENCH=1; scripts/bench.sh runs them all
// and prints a table. They print lines "BENCH <name> <value> <unit>".
package bench
