#!/bin/sh
# Developer aid: boot the guest agent in QEMU by hand, without the host side.
#
# Builds an initramfs (busybox-static as /bin/busybox plus its applet links,
# native/out/ktstr-guest as /init, optional files and cell), boots it with the
# virtio port ktstr.0 on a Unix socket, and plays a minimal host: prints every
# message the agent sends, sends 'G' on `ready`, waits for `done`.
#
#   dev-boot.sh -c cell.conf                   cell baked in as /ktstr/cell.conf
#   dev-boot.sh -C cell.conf                   cell sent as a 'C' frame instead
#   dev-boot.sh -c cell.conf -f native/out/scx-ktstr:/bin/scx-ktstr   (+ its libraries)
#   dev-boot.sh -c cell.conf -S 1000           send 'S' 1 s after the first step's start (exec/shell: after 'G')
#   dev-boot.sh -c cell.conf -N                never send 'G'; send 'S' 1 s after ready
#   dev-boot.sh -c shell.conf -i               serial console on this terminal (shell cells):
#                                              messages go to messages.jsonl, printed at the end
#
# Other options: -k VMLINUZ, -s SMP (QEMU -smp value), -m MB, -t TIMEOUT_S
# (default 120, 3600 with -i).
# Cells are version 2 (docs/guest-protocol.md); tests/cells/valid-vm-*.conf
# are scenarios meant for this script.
# The work directory (console.log, initramfs) is printed and kept.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
agent="$here/../out/ktstr-guest"
kernel="${KTSTR_KERNEL:-$(ls /root/.cache/ktstr/kernels/*/vmlinuz 2>/dev/null | head -n1)}"
smp="4,sockets=1,dies=2,cores=2,threads=1"
mem=512
timeout_s=""
cell_file="" cell_frame="" shutdown_ms="" no_go="" extra="" interactive=""

while getopts "k:c:C:f:s:m:t:S:Nih" opt; do
	case "$opt" in
	k) kernel=$OPTARG ;;
	c) cell_file=$OPTARG ;;
	C) cell_frame=$OPTARG ;;
	f) extra="$extra $OPTARG" ;;
	s) smp=$OPTARG ;;
	m) mem=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	S) shutdown_ms=$OPTARG ;;
	N) no_go=1 ;;
	i) interactive=1 ;;
	*) sed -n '2,19p' "$0"; exit 2 ;;
	esac
done
# A shell session lasts as long as the user wants; the host must not hang up.
[ -n "$timeout_s" ] || timeout_s=$([ -n "$interactive" ] && echo 3600 || echo 120)

[ -x "$agent" ] || make -C "$here"
[ -f "$kernel" ] || { echo "no kernel (use -k or KTSTR_KERNEL)" >&2; exit 2; }

work=$(mktemp -d /tmp/ktstr-dev.XXXXXX)
root="$work/root"
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/dev" "$root/proc" "$root/sys" \
	"$root/tmp" "$root/ktstr"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cp "$agent" "$root/init"
[ -z "$cell_file" ] || cp "$cell_file" "$root/ktstr/cell.conf"
for spec in $extra; do
	src=${spec%%:*}
	dst=${spec#*:}
	[ "$dst" != "$spec" ] || dst="/bin/$(basename "$src")"
	mkdir -p "$root$(dirname "$dst")"
	cp "$src" "$root$dst"
	# Dynamically linked programs (e.g. the scheduler) need their libraries.
	for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*' || true); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.cpio.gz"

echo "work dir: $work" >&2

# The console: a file, or (-i) this terminal, still logged to the file. With
# signal=off, Ctrl-C goes to the guest instead of ending QEMU.
if [ -n "$interactive" ]; then
	serial="-chardev stdio,id=con,signal=off,logfile=$work/console.log -serial chardev:con"
else
	serial="-serial file:$work/console.log"
fi
# Always run in the background: exec, so that $! is QEMU itself and the
# traps below can kill it.
qemu() {
	# shellcheck disable=SC2086 # $serial is a list of arguments
	exec qemu-system-x86_64 -accel tcg,thread=multi -cpu Skylake-Server,-avx512f -m "$mem" \
		-smp "$smp" -nodefaults -no-reboot -display none $serial \
		-kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
		-append "console=ttyS0 nokaslr panic=-1 rdinit=/init loglevel=4" \
		-device virtio-serial-pci \
		-chardev "socket,id=ch0,path=$work/ktstr.sock,server=on,wait=off" \
		-device virtserialport,chardev=ch0,name=ktstr.0 2>"$work/qemu.log"
}

host() {
python3 - "$work/ktstr.sock" "$timeout_s" "$cell_frame" "$shutdown_ms" "$no_go" <<'PY'
import json, socket, struct, sys, time
path, timeout_s, cell_frame, shutdown_ms, no_go = sys.argv[1], float(sys.argv[2]), *sys.argv[3:]
deadline = time.time() + timeout_s
sock = socket.socket(socket.AF_UNIX)
while True:
    try:
        sock.connect(path); break
    except OSError:
        if time.time() > deadline: sys.exit("no socket")
        time.sleep(0.05)
def send(kind, payload=b""):
    sock.sendall(struct.pack("<IB", len(payload), ord(kind)) + payload)
if cell_frame:
    send("C", open(cell_frame, "rb").read())
buf, shutdown_at, ok = b"", None, None
sock.settimeout(0.1)
while time.time() < deadline:
    if shutdown_at and time.time() >= shutdown_at:
        send("S"); shutdown_at = None
    try:
        chunk = sock.recv(65536)
    except socket.timeout:
        continue
    if not chunk: break
    buf += chunk
    while len(buf) >= 5:
        length, kind = struct.unpack("<IB", buf[:5])
        if len(buf) < 5 + length: break
        payload, buf = buf[5:5 + length], buf[5 + length:]
        msg = json.loads(payload)
        print(json.dumps(msg), flush=True)
        if msg["type"] == "ready" and no_go: shutdown_at = time.time() + 1
        elif msg["type"] == "ready":
            send("G")
            # exec and shell cells have no step: count from the gate.
            if shutdown_ms: shutdown_at = time.time() + int(shutdown_ms) / 1000
        # -S counts from the first step's start (cells of version 2 have several).
        if msg["type"] == "step" and msg["phase"] == "start" and msg["index"] == 0 and shutdown_ms:
            shutdown_at = time.time() + int(shutdown_ms) / 1000
        if msg["type"] == "done": ok = msg["ok"]
    if ok is not None: break
sys.exit(0 if ok else 1)
PY
}

status=0
if [ -n "$interactive" ]; then
	# QEMU reads this terminal (a background job's stdin would be /dev/null
	# unless given explicitly); the host's messages would garble it, so
	# they go to a file.
	exec 3<&0
	qemu <&3 &
	qemu_pid=$!
	host >"$work/messages.jsonl" &
	host_pid=$!
	trap 'kill $qemu_pid $host_pid 2>/dev/null || true' EXIT INT TERM
	wait $qemu_pid || true
	wait $host_pid || status=$?
	cat "$work/messages.jsonl"
else
	qemu &
	qemu_pid=$!
	trap 'kill $qemu_pid 2>/dev/null || true' EXIT INT TERM
	host || status=$?
	# The agent powers off after `done`; give QEMU a moment, then make sure.
	for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 $qemu_pid 2>/dev/null || break; sleep 0.5; done
	kill $qemu_pid 2>/dev/null || true
	wait $qemu_pid 2>/dev/null || true
fi
echo "console: $work/console.log" >&2
exit $status
