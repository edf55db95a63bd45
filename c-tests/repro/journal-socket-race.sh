#!/usr/bin/env bash
# Reproducer of a race there was in sdlite's journal socket creation (see journal-socket-race.c):
# gdb stops thread A right after the compare-and-swap that publishes its new socket, and lets
# thread B make its first call there. When the inode was stored after that swap, B took the
# socket for a stale one and opened a second ("one leaked", exit 1); since fd and inode are
# published in one word, the process ends with one socket.  Needs root (a private mount
# namespace for the fake journald), gdb, and `make` run (build/libsystemd-unstripped.so: local
# symbols, to find the instruction).  Not part of the suites.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
LIB=$ROOT/build/libsystemd-unstripped.so
command -v gdb >/dev/null || { echo "needs gdb"; exit 2; }
[ -e "$LIB" ] || { echo "run make first ($LIB)"; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/lib"
cp "$LIB" "$T/lib/libsystemd.so.0"
gcc -O1 -g -w -o "$T/race" "$HERE/journal-socket-race.c" -L/usr/lib/x86_64-linux-gnu -lsystemd -lpthread
# the instruction after `lock cmpxchg` on transport::SOCKET, in transport::send (socket() is inlined)
send=$(nm "$LIB" | sed -n 's/^\([0-9a-f]*\) t \(_ZN6sdlite7journal9transport4send17h[0-9a-f]*E\)$/\1 \2/p' | head -n1)
addr=${send%% *} sym=${send#* }
after=$(objdump -d --no-show-raw-insn "$LIB" --start-address=0x"$addr" --stop-address=$((0x$addr + 4096)) |
    awk '/lock cmpxchg.*transport6SOCKET/ { getline; sub(":", "", $1); print $1; exit }')
[ -n "$after" ] || { echo "cannot find the compare-and-swap on SOCKET in $sym"; exit 2; }
off=$((0x$after - 0x$addr))
cat >"$T/race.gdb" <<GDB
set pagination off
set confirm off
break main
run
break *((char*)&'$sym' + $off)
continue
delete
set scheduler-locking on
thread 3
break b_done
continue
delete
set scheduler-locking off
continue
GDB
echo "stopping thread A at $sym+$off (after its compare-and-swap, before the inode store)"
LD_LIBRARY_PATH=$T/lib gdb -q -batch -x "$T/race.gdb" "$T/race" 2>&1 |
    tee "$T/gdb.out" | grep -E "^(A:|B:|entries received)|exited" || { echo "gdb output:"; tail -5 "$T/gdb.out"; }
