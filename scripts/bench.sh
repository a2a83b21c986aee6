#!/bin/sh
# Runs parley's benchmarks and prints the figures of issues 2 and 3 as a
# table. Needs what ./scripts/test.sh installs (prosody, tmux, slixmpp).
# Takes a few minutes: Prosody's archive limits the 10,000-message flood to
# a few hundred messages a second, less on a busy machine.
#
#   ./scripts/bench.sh           everything
#   ./scripts/bench.sh quick     skip the real binary against Prosody
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "== history (issue 3): append, tail of 10k/100k/1M-record files, search" >&2
go test -run - -bench . -count 1 ./history | tee -a "$out" >&2
echo "== account: stanza decoding and session ceilings" >&2
go test -run - -bench 'Ingest|Session' -count 1 ./account | tee -a "$out" >&2
echo "== in-process pipeline: chatlog + history + UI" >&2
go test -run - -bench Pipeline -benchtime 10000x -count 1 ./bench | tee -a "$out" >&2
echo "== key echo in process, flood at full speed and at 2,000 messages/s" >&2
PARLEY_BENCH=1 go test -run TestKeyEchoInProcess -count 1 -v ./bench | grep '^BENCH' | tee -a "$out" >&2
PARLEY_BENCH=1 PARLEY_BENCH_RATE=2000 go test -run TestKeyEchoInProcess -count 1 -v ./bench |
	grep '^BENCH' | sed 's/^BENCH inproc_/BENCH paced2000_/' | tee -a "$out" >&2
if [ "${1:-}" != quick ]; then
	echo "== the real binary in tmux against Prosody (2,000 contacts, 10,000 messages)" >&2
	PARLEY_BENCH=1 go test -run 'TestBinary$|TestStartBreakdown|TestRosterCacheLogin' -count 1 -timeout 15m -v ./bench | grep '^BENCH' | tee -a "$out" >&2
	echo "== the real binary in tmux uploading 10 MB and 100 MB to Prosody's http_file_share (issue 14)" >&2
	PARLEY_BENCH=1 go test -run 'TestBinaryUpload' -count 1 -timeout 40m -v ./bench | grep '^BENCH' | tee -a "$out" >&2
	echo "== side by side with mcabber (issue 16): interleaved rounds, fresh accounts of 2,000 contacts" >&2
	PARLEY_BENCH=1 go test -run 'TestSideBySide' -count 1 -timeout 40m -v ./bench | grep '^BENCH' | tee -a "$out" >&2
	echo "== the floor under the steady stream and the flood (issue 16): receivers that do nothing else" >&2
	PARLEY_BENCH=1 go test -run 'TestWakeFloor$' -count 1 -timeout 15m -v ./bench | grep '^BENCH' | tee -a "$out" >&2
	echo "== every feature on (issue 12), 20 windows restored, beside mcabber in the same run" >&2
	PARLEY_BENCH=1 go test -run 'TestEveryFeature' -count 1 -timeout 20m -v ./bench | grep '^BENCH' | tee -a "$out" >&2
fi
echo "== UI start with 0 and 20 windows restored (issue 12)" >&2
go test -run - -bench RestoreWindows -count 1 ./ui | tee -a "$out" >&2
echo "== a frame with one new line: 120x40, 2,000 contacts, 1,000 occupants (issue 16)" >&2
go test -run - -bench FrameOneLine -benchtime 3000x -count 1 ./ui | tee -a "$out" >&2

# sbs CLIENT FIGURE: the figure of TestSideBySide over its rounds, "min–max"
# (or the one value); ratio FIGURE: parley's mean over mcabber's.
sbs() { awk -v c="$1" -v f="$2" '$1 == "BENCH" && $2 ~ ("^sbs_" c "_r[0-9]+_" f "$") { v = $3 + 0; if (!n || v < lo) lo = v; if (!n || v > hi) hi = v; u = $4; n++ } END { if (!n) printf "-"; else if (lo == hi) printf "%s %s", lo, u; else printf "%s–%s %s", lo, hi, u }' "$out"; }
ratio() { awk -v f="$1" '$1 == "BENCH" && $2 ~ ("^sbs_parley_r[0-9]+_" f "$") { p += $3; np++ } $1 == "BENCH" && $2 ~ ("^sbs_mcabber_r[0-9]+_" f "$") { m += $3; nm++ } END { if (np && nm && m > 0) printf "%.2f", (p / np) / (m / nm); else printf "-" }' "$out"; }
fig() { awk -v n="$1" '$1 == "BENCH" && $2 == n { printf "%s %s", $3, $4; found = 1 } END { if (!found) printf "-" }' "$out"; }
gob() { awk -v n="$1" -v col="$2" 'index($1, n) == 1 { for (i = 2; i < NF; i++) if ($(i+1) == col) { printf "%s %s", $i, col; exit } }' "$out"; }

cat <<TABLE

| figure (issue 2) | parley | target | mcabber 1.1 |
|---|---|---|---|
| start to roster shown, 2,000 contacts (binary in tmux) | $(fig start_to_roster) | under 0.3 s | 0.40 s |
| of which tmux itself (new server, pane, capture) / exec of parley --version | $(fig tmux_floor) / $(fig exec_version) | | |
| in process: login and roster fetch / roster drawn / online drawn | $(fig start_roster_event) / $(fig start_roster_drawn) / $(fig start_online_drawn) | | |
| login to online, roster fetched whole / from the roster cache (XEP-0237) | $(fig login_roster_full) / $(fig login_roster_cached) | | |
| resident memory after connect (VmRSS / VmHWM) | $(fig rss_after_connect) / $(fig hwm_after_connect) | under 18 MB | 18 MB |
| of which anonymous (heap, stacks) / file (the binary) | $(fig rss_anon_after_connect) / $(fig rss_file_after_connect) | | |
| CPU for 10,000 incoming 1:1 messages (binary, via Prosody) | $(fig flood_cpu) in $(fig flood_wall) ($(fig flood_rate)) | under 1 s | 6.5 s |
| CPU for 10,000 messages, in-process ceiling (chatlog+history+UI) | $(fig inproc_flood_cpu) in $(fig inproc_flood_wall) | | |
| pipeline per message (BenchmarkPipeline) | $(gob BenchmarkPipeline ns/op) | | |
| stanza decoding per message (account BenchmarkIngest) | $(gob BenchmarkIngest ns/op) | | |
| key echo during the flood, tmux (p50 / p99 / max) | $(fig tmux_echo_p50) / $(fig tmux_echo_p99) / $(fig tmux_echo_max) | under 20 ms | 26 ms |
| key echo without a flood, tmux (p50: the measurement's floor) | $(fig tmux_echo_idle_p50) | | |
| key echo in process, full-speed flood (p50 / p99 / max) | $(fig inproc_echo_p50) / $(fig inproc_echo_p99) / $(fig inproc_echo_max) | | |
| key echo in process, 2,000 msg/s (p50 / p99 / max) | $(fig paced2000_echo_p50) / $(fig paced2000_echo_p99) / $(fig paced2000_echo_max) | | |
| memory after the flood (VmRSS / VmHWM) | $(fig rss_after_flood) / $(fig hwm_after_flood) | | |
| memory after a second flood of 10,000 (VmRSS / VmHWM / anonymous) | $(fig rss_after_flood2) / $(fig hwm_after_flood2) / $(fig rss_anon_after_flood2) | under 20 MB | |
| disk for the 10,000 messages (their conversation's file; per message) | $(fig flood_disk) ($(fig flood_disk_per_msg)) | under 1.5 MB | 0.6-0.7 MB |

| figure (issue 14: /upload, binary in tmux, Prosody https) | parley | target |
|---|---|---|
| 100 MB upload: time / throughput / parley CPU | $(fig upload_100MB_seconds) / $(fig upload_100MB_throughput) / $(fig upload_100MB_cpu) | |
| 10 MB upload: time / throughput / parley CPU | $(fig upload_10MB_seconds) / $(fig upload_10MB_throughput) / $(fig upload_10MB_cpu) | |
| peak memory (VmHWM) before / after 10 MB / after 100 MB | $(fig upload_hwm_before) / $(fig upload_10MB_hwm) / $(fig upload_100MB_hwm) | flat in the file size |
| key echo during the 100 MB upload, tmux (p50 / p99 / max) | $(fig upload_echo_p50) / $(fig upload_echo_p99) / $(fig upload_echo_max) | |

| figure (issue 12): every feature on, 20 windows restored | parley | mcabber 1.1, same run |
|---|---|---|
| start to roster shown, 0 / 20 windows restored (binary in tmux) | $(fig start_0windows_to_roster) / $(fig start_20windows_to_roster) | $(fig mcabber_start_to_roster) |
| UI start (New) with 0 / 20 windows restored (BenchmarkRestoreWindows) | $(gob BenchmarkRestoreWindows/0windows ns/op) / $(gob BenchmarkRestoreWindows/20windows ns/op) | |
| key echo without a flood, tmux (p50) | $(fig features_echo_idle_p50) | $(fig mcabber_echo_idle_p50) |
| key echo during a 10,000-message flood (p50 / p99 / max) | $(fig features_echo_p50) / $(fig features_echo_p99) / $(fig features_echo_max) | $(fig mcabber_echo_p50) / $(fig mcabber_echo_p99) / $(fig mcabber_echo_max) |
| CPU for the flood, in wall time (rate) | $(fig features_flood_cpu) in $(fig features_flood_wall) ($(fig features_flood_rate)) | $(fig mcabber_flood_cpu) in $(fig mcabber_flood_wall) ($(fig mcabber_flood_rate)) |
| memory after the flood (VmRSS / VmHWM) | $(fig features_rss_after_flood) / $(fig features_hwm_after_flood) | $(fig mcabber_rss_after_flood) / $(fig mcabber_hwm_after_flood) |
| disk for the 10,000 messages (history file; per message) | $(fig features_flood_disk) ($(fig features_flood_disk_per_msg)) | $(fig mcabber_flood_disk) ($(fig mcabber_flood_disk_per_msg)) |

| figure (issue 16): side by side, interleaved rounds | parley | mcabber 1.1 | parley ÷ mcabber | parley, send_receipts = false (as mcabber) | target |
|---|---|---|---|---|---|
| start to roster shown, 2,000 contacts | $(sbs parley start_to_roster) | $(sbs mcabber start_to_roster) | $(ratio start_to_roster) | $(sbs parleynr start_to_roster) | |
| VmRSS / VmHWM 5 s after connect | $(sbs parley rss_after_connect) / $(sbs parley hwm_after_connect) | $(sbs mcabber rss_after_connect) / $(sbs mcabber hwm_after_connect) | $(ratio rss_after_connect) / $(ratio hwm_after_connect) | $(sbs parleynr rss_after_connect) / $(sbs parleynr hwm_after_connect) | under 15 / 18 MB |
| key echo without a flood (p50: tmux floor) | $(sbs parley echo_idle_p50) | $(sbs mcabber echo_idle_p50) | $(ratio echo_idle_p50) | $(sbs parleynr echo_idle_p50) | |
| key echo during the 10,000-message 1:1 flood (p50) | $(sbs parley echo_p50) | $(sbs mcabber echo_p50) | $(ratio echo_p50) | $(sbs parleynr echo_p50) | ≤ mcabber |
| key echo during the flood (p99) | $(sbs parley echo_p99) | $(sbs mcabber echo_p99) | $(ratio echo_p99) | $(sbs parleynr echo_p99) | |
| CPU for the 10,000 messages | $(sbs parley flood_cpu) | $(sbs mcabber flood_cpu) | $(ratio flood_cpu) | $(sbs parleynr flood_cpu) | under 0.5 s |
| flood wall time (Prosody-bound) | $(sbs parley flood_wall) | $(sbs mcabber flood_wall) | | $(sbs parleynr flood_wall) | |
| CPU per second of 100 messages/s (rate Prosody reached) | $(sbs parley steady_cpu_per_s) ($(sbs parley steady_rate)) | $(sbs mcabber steady_cpu_per_s) ($(sbs mcabber steady_rate)) | $(ratio steady_cpu_per_s) | $(sbs parleynr steady_cpu_per_s) ($(sbs parleynr steady_rate)) | under 5 ms |
| key echo during 100 messages/s (p50 / p99) | $(sbs parley steady_echo_p50) / $(sbs parley steady_echo_p99) | $(sbs mcabber steady_echo_p50) / $(sbs mcabber steady_echo_p99) | $(ratio steady_echo_p50) | $(sbs parleynr steady_echo_p50) / $(sbs parleynr steady_echo_p99) | |
| VmRSS after the flood / after both streams | $(sbs parley rss_after_flood) / $(sbs parley rss_after_both) | $(sbs mcabber rss_after_flood) / $(sbs mcabber rss_after_both) | $(ratio rss_after_flood) / $(ratio rss_after_both) | $(sbs parleynr rss_after_flood) / $(sbs parleynr rss_after_both) | under 20 MB |
| disk for the 10,000 messages (per message) | $(sbs parley flood_disk) ($(sbs parley flood_disk_per_msg)) | $(sbs mcabber flood_disk) ($(sbs mcabber flood_disk_per_msg)) | $(ratio flood_disk) | $(sbs parleynr flood_disk) ($(sbs parleynr flood_disk_per_msg)) | under 1.5 MB |
| floor under the 100 messages/s: a process that only receives them, one read each (C, plain TCP / Go, plain TCP / Go, TLS and a write(2) each) | $(fig floor_c_tcp_cpu_per_s) / $(fig floor_tcp_cpu_per_s) / $(fig floor_tls_store_cpu_per_s) | | | | |
| floor under the flood: 10,000 at 360 a second, one read each (Go, TLS and a write(2) each) | $(fig floor_flood_tls_store_cpu) | | | | |
| one frame with one new line, 120x40, 2,000 contacts, 1,000 occupants (BenchmarkFrameOneLine tty, CPU) | $(gob BenchmarkFrameOneLine/tty cpu-ns/op) | | | | under 0.3 ms |

History (issue 3): the Benchmark lines of ./history above (Tail100 of
10k/100k/1M records: target under 20 ms and flat; Search of 1M: under 1 s).
TABLE
