#!/usr/bin/env python3
"""Developer aid: the guest agent across host disconnects and VM snapshots.

Boots native/out/ktstr-guest as /init of a busybox initramfs in QEMU (TCG)
with the channel ktstr.0 on a Unix socket and plays the host side by hand:

  reconnect  read `hello`, disconnect, reconnect after --gap seconds, ping,
             disconnect and reconnect at once with an exec cell; then, in a
             second VM, disconnect during a run: the VM must power off.
  snapshot   RAM in a shared file under /dev/shm; read `hello`, stop the VM,
             save its device state (x-ignore-shared: the RAM stays in the
             file), quit. Then, --restores times: copy the RAM file, start a
             new QEMU with -incoming defer, restore, cont, connect, ping
             (restore-to-pong timings), send lz4 and its libraries ('F'/'L'),
             'R', 'T' and an exec cell that runs lz4 and prints date and
             random bytes. One last restore sends invalid 'F', 'R', 'T' and
             'P' frames and checks the errors and that the cell is refused.

  native/guest/tests/snapshot-smoke.py [reconnect|snapshot|all] [-k VMLINUZ]
      [--smp N] [--gap S] [--restores N] [--connect-early] [--no-reseed]
      [--keep] [--agent BINARY]

Every QEMU it started is killed and every file it made in /dev/shm removed
when it ends; the work directory (console logs) stays with --keep or after a
failure.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT = os.path.join(HERE, "..", "..", "out", "ktstr-guest")
MEM_MB = 512
BOOT_TIMEOUT_S = 180
CELL_TIMEOUT_S = 120


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def default_kernel():
    if os.environ.get("KTSTR_KERNEL"):
        return os.environ["KTSTR_KERNEL"]
    root = "/root/.cache/ktstr/kernels"
    for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        path = os.path.join(root, name, "vmlinuz")
        if os.path.exists(path):
            return path
    return ""


def build_initramfs(work, agent):
    """busybox + its applet links + the agent as /init: what a snapshot holds."""
    root = os.path.join(work, "root")
    for d in ("bin", "sbin", "usr/bin", "dev", "proc", "sys", "tmp"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    shutil.copy("/bin/busybox", os.path.join(root, "bin/busybox"))
    applets = subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    for applet in applets:
        link = os.path.join(root, "bin", applet)
        if not os.path.lexists(link):
            os.symlink("busybox", link)
    shutil.copy(agent, os.path.join(root, "init"))
    image = os.path.join(work, "initramfs.cpio.gz")
    subprocess.run(f"find . | cpio -o -H newc --quiet | gzip -1 > {image}", shell=True,
                   cwd=root, check=True)
    return image


def connect_unix(path, timeout):
    """Connects to a Unix socket QEMU creates shortly after it starts, retrying until `timeout`."""
    deadline = time.time() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.time() > deadline:
                raise RuntimeError(f"cannot connect to {path}")
            time.sleep(0.005)


class Channel:
    """The host end of ktstr.0: u32 LE length | kind | payload."""

    def __init__(self, path, timeout=30):
        self.sock = connect_unix(path, timeout)
        self.buf = b""

    def send(self, kind, payload=b""):
        self.sock.sendall(struct.pack("<IB", len(payload), ord(kind)) + payload)

    def recv(self, timeout):
        """The next 'J' message, or None at EOF. Raises TimeoutError."""
        deadline = time.time() + timeout
        while True:
            if len(self.buf) >= 5:
                length, kind = struct.unpack("<IB", self.buf[:5])
                if len(self.buf) >= 5 + length:
                    payload, self.buf = self.buf[5:5 + length], self.buf[5 + length:]
                    if kind == ord("J"):
                        return json.loads(payload)
                    continue
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no message from the agent")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                continue
            if not chunk:
                return None
            self.buf += chunk

    def wait_for(self, mtypes, timeout, show=True):
        """Messages up to the first whose type is in mtypes (all of them, in order)."""
        mtypes = (mtypes,) if isinstance(mtypes, str) else mtypes
        seen = []
        while True:
            msg = self.recv(timeout)
            if msg is None:
                raise RuntimeError(f"channel closed while waiting for {mtypes}: {seen}")
            seen.append(msg)
            if show and msg["type"] not in ("output",):
                log(f"  <- {json.dumps(msg)[:300]}")
            if msg["type"] in mtypes:
                return seen

    def close(self):
        self.sock.close()


class Qmp:
    def __init__(self, path, timeout=30):
        self.sock = connect_unix(path, timeout)
        self.file = self.sock.makefile("rwb")
        self.events = []
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise RuntimeError("QMP closed")
        return json.loads(line)

    def cmd(self, name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.file.write(json.dumps(req).encode() + b"\n")
        self.file.flush()
        while True:
            resp = self._read()
            if "event" in resp:
                self.events.append(resp)
            elif "error" in resp:
                raise RuntimeError(f"QMP {name}: {resp['error']}")
            else:
                return resp.get("return")

    def close(self):
        self.sock.close()


class Vm:
    """One QEMU process. The arguments depend only on the RAM file, the two
    socket paths and -incoming, as a restore requires."""

    procs = []

    def __init__(self, args, work, name, ram, incoming=False):
        self.sock = os.path.join(work, f"{name}.sock")
        self.qmp_path = os.path.join(work, f"{name}.qmp")
        self.console = os.path.join(work, f"{name}.console.log")
        cmd = ["qemu-system-x86_64", "-accel", "tcg,thread=multi",
               "-cpu", "Skylake-Server,-avx512f", "-m", f"{MEM_MB}M", "-smp", str(args.smp),
               "-object", f"memory-backend-file,id=ram-node0,size={MEM_MB}M,"
                          f"mem-path={ram},share=on",
               "-machine", "q35,memory-backend=ram-node0",
               "-nodefaults", "-no-reboot", "-display", "none",
               "-serial", f"file:{self.console}",
               "-kernel", args.kernel, "-initrd", args.initramfs,
               "-append", "console=ttyS0 nokaslr panic=-1 rdinit=/init loglevel=4",
               "-device", "virtio-serial-pci",
               "-chardev", f"socket,id=ch0,path={self.sock},server=on,wait=off",
               "-device", "virtserialport,chardev=ch0,name=ktstr.0",
               "-qmp", f"unix:{self.qmp_path},server=on,wait=off"]
        if incoming:
            cmd += ["-incoming", "defer"]
        self.stderr = open(os.path.join(work, f"{name}.qemu.log"), "w")
        self.started = time.time()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.stderr)
        Vm.procs.append(self.proc)

    def wait_exit(self, timeout):
        try:
            self.proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return False

    @classmethod
    def kill_all(cls):
        for proc in cls.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def run_exec_cell(ch, command, timeout=CELL_TIMEOUT_S, after_go=None):
    """Send an exec cell, 'G' on ready (then after_go(ch), if given);
    returns (done message, stdout, stderr, all messages)."""
    ch.send("C", f"ktstr-cell 2\nexec {command}\n".encode())
    msgs = ch.wait_for(("ready", "done"), timeout)
    if msgs[-1]["type"] != "ready":
        return msgs[-1], "", "", msgs
    ch.send("G")
    if after_go:
        after_go(ch)
    msgs += ch.wait_for("done", timeout)
    out = "".join(m["data"] for m in msgs if m["type"] == "output" and m["stream"] == "stdout")
    err = "".join(m["data"] for m in msgs if m["type"] == "output" and m["stream"] == "stderr")
    return msgs[-1], out, err, msgs


def ping(ch, token, timeout=60):
    start = time.time()
    ch.send("P", token.encode())
    while True:
        msg = ch.recv(timeout)
        if msg is None:
            raise RuntimeError("channel closed while waiting for pong")
        if msg["type"] == "pong" and msg["token"] == token:
            return time.time() - start, msg
        log(f"  <- (before pong) {json.dumps(msg)[:200]}")


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    log(f"ok: {what}")


def boot(args, name, ram):
    vm = Vm(args, args.work, name, ram)
    ch = Channel(vm.sock, timeout=30)
    hello = ch.wait_for("hello", BOOT_TIMEOUT_S, show=False)[-1]
    log(f"  <- hello after {time.time() - vm.started:.1f} s: kernel {hello['kernel']}, "
        f"{len(hello['cpus'])} cpus, uptime_ms {hello.get('uptime_ms')}, t_ms {hello['t_ms']}")
    return vm, ch


def mode_reconnect(args):
    log("== reconnect: the host leaves before the cell and comes back")
    ram = os.path.join("/dev/shm", f"ktstr-smoke-{os.getpid()}-reconnect")
    args.shm.append(ram)
    vm, ch = boot(args, "reconnect", ram)
    ch.close()
    log(f"  host disconnected; back in {args.gap} s")
    time.sleep(args.gap)
    ch = Channel(vm.sock)
    rtt, pong = ping(ch, "back again")
    log(f"  <- {json.dumps(pong)} ({rtt * 1000:.1f} ms round trip)")
    ch.close()
    # Back at once with the cell: the guest may see the old disconnect
    # notice only after reading the cell (the agent's grace covers it).
    log("  host disconnected again, back at once")
    ch = Channel(vm.sock)
    done, out, err, msgs = run_exec_cell(ch, "echo reconnected; sleep 1; cat /proc/uptime",
                                         after_go=lambda ch: ch.send("P", b"during the run"))
    log(f"  stdout: {out!r}")
    check(done.get("ok") is True and "reconnected" in out, "exec cell ran after two reconnects")
    check(any(m["type"] == "pong" and m["token"] == "during the run" for m in msgs),
          "a ping during the run is answered")
    check(vm.wait_exit(30), "the VM powered off after done")
    os.unlink(ram)

    log("== gone: the host leaves during a run")
    ram = os.path.join("/dev/shm", f"ktstr-smoke-{os.getpid()}-gone")
    args.shm.append(ram)
    vm, ch = boot(args, "gone", ram)
    ch.send("C", b"ktstr-cell 2\nexec sleep 60\n")
    ch.wait_for("ready", CELL_TIMEOUT_S)
    ch.send("G")
    time.sleep(1)
    ch.close()
    t = time.time()
    check(vm.wait_exit(30), f"the VM powered off {time.time() - t:.1f} s after the host left")
    console = open(vm.console).read()
    check("host did not come back" in console, "the agent gave the host its grace, then ended")
    os.unlink(ram)


def send_file(ch, guest_path, host_path, mode):
    path = guest_path.encode()
    data = open(host_path, "rb").read()
    ch.send("F", struct.pack("<I", len(path)) + path + struct.pack("<I", mode) + data)
    return len(data)


def send_symlink(ch, guest_path, target):
    path = guest_path.encode()
    ch.send("L", struct.pack("<I", len(path)) + path + target.encode())


def send_program(ch, program):
    """The program and the libraries ldd names, links kept as links."""
    paths = [program]
    ldd = subprocess.run(["ldd", program], capture_output=True, text=True).stdout
    for line in ldd.splitlines():
        for word in line.split():
            if word.startswith("/"):
                paths.append(word)
    total = 0
    for path in paths:
        if os.path.islink(path):
            target = os.readlink(path)
            send_symlink(ch, path, target)
            path = target if target.startswith("/") else \
                os.path.join(os.path.dirname(path), target)
        total += send_file(ch, path, os.path.realpath(path), 0o755)
    return paths, total


def restore(args, state, base_ram, index, refuse=False):
    ram = os.path.join("/dev/shm", f"ktstr-smoke-{os.getpid()}-restore{index}")
    args.shm.append(ram)
    t0 = time.time()
    subprocess.run(["cp", "--sparse=always", base_ram, ram], check=True)
    t_copy = time.time() - t0
    vm = Vm(args, args.work, f"restore{index}", ram, incoming=True)
    # The channel socket exists as soon as QEMU listens: with --connect-early
    # the host is connected before the guest runs again.
    ch = Channel(vm.sock) if args.connect_early else None
    qmp = Qmp(vm.qmp_path)
    t_qmp = time.time() - vm.started
    qmp.cmd("migrate-set-capabilities",
            capabilities=[{"capability": "x-ignore-shared", "state": True}])
    t_mig = time.time()
    qmp.cmd("migrate-incoming", uri=f"exec:cat {state}")
    while True:
        status = qmp.cmd("query-status")["status"]
        if status in ("paused", "postmigrate", "running"):
            break
        if time.time() - t_mig > 60:
            raise RuntimeError(f"incoming migration stuck in {status}")
        time.sleep(0.005)
    t_loaded = time.time() - t_mig
    t_cont = time.time()
    qmp.cmd("cont")
    ch = ch or Channel(vm.sock)
    rtt, pong = ping(ch, f"restore {index} \"ready?\"")
    t_pong = time.time()
    log(f"  <- {json.dumps(pong)}")
    log(f"  restore {index}: cp RAM {t_copy * 1000:.0f} ms; QEMU start -> QMP {t_qmp * 1000:.0f} ms;"
        f" migrate-incoming -> {status} {t_loaded * 1000:.0f} ms; cont -> pong"
        f" {(t_pong - t_cont) * 1000:.0f} ms (ping round trip {rtt * 1000:.0f} ms);"
        f" QEMU start -> pong {(t_pong - vm.started) * 1000:.0f} ms")
    timings = {"qemu_start_to_pong_ms": (t_pong - vm.started) * 1000,
               "cont_to_pong_ms": (t_pong - t_cont) * 1000, "ping_rtt_ms": rtt * 1000}
    qmp.close()
    rtt2, _ = ping(ch, "second")
    log(f"  second ping round trip {rtt2 * 1000:.1f} ms")

    if refuse:
        send_file(ch, "/usr/../etc/evil", "/bin/busybox", 0o755)
        err = ch.wait_for("error", 30)[-1]
        check(err["what"] == "file" and "'..'" in err["message"], "invalid 'F' path -> error")
        for kind, payload, what in (("R", b"x" * 8, "entropy"), ("T", b"\0" * 7, "clock"),
                                    ("P", b"p" * 65, "ping")):
            ch.send(kind, payload)
            err = ch.wait_for("error", 30)[-1]
            check(err["what"] == what and err["errno"] == 22, f"short or long '{kind}' -> error")
        done, _, _, msgs = run_exec_cell(ch, "echo must not run")
        check(done["type"] == "done" and done["ok"] is False and
              not any(m["type"] == "ready" for m in msgs), "the next cell is refused: done ok:false")
        check(vm.wait_exit(30), "the VM powered off after done")
        os.unlink(ram)
        return timings, None

    t = time.time()
    paths, total = send_program(ch, "/usr/bin/lz4")
    send_symlink(ch, "/usr/local/bin/lz4-link", "/usr/bin/lz4")
    if not args.no_reseed:
        ch.send("R", os.urandom(64))
    # Restore i is set i days ahead: `date` then shows that 'T' took effect.
    ahead_s = index * 86400
    ch.send("T", struct.pack("<Q", time.time_ns() + ahead_s * 10**9))
    rtt3, _ = ping(ch, "files sent")  # a pong comes after every earlier frame was handled
    log(f"  sent {', '.join(paths)} ({total} bytes), a symlink, R, T: {(time.time() - t) * 1000:.0f} ms"
        " to the next pong")
    done, out, err, msgs = run_exec_cell(
        ch, "lz4 --version; /usr/local/bin/lz4-link -V; date -u +%s; head -c 16 /dev/urandom | od -An -tx1;"
            " cat /proc/uptime; ls -l /lib64/")
    log(f"  stdout: {out!r}")
    if err:
        log(f"  stderr: {err!r}")
    errors = [m for m in msgs if m["type"] == "error"]
    check(not errors, "no error messages")
    check(done.get("ok") is True, "done ok:true")
    check("LZ4 command line interface" in out + err, "lz4 runs from the sent files")
    lines = out.splitlines()
    guest_date = int(next(line for line in lines if line.strip().isdigit()))
    check(abs(guest_date - ahead_s - time.time()) < 30,
          f"wall clock set from the host (guest {guest_date}, host {int(time.time())}"
          f" + {ahead_s} s)")
    check((out + err).count("LZ4 command line interface") == 2, "the symlink works")
    random_line = next(line for line in lines if len(line.split()) == 16)
    check(vm.wait_exit(30), "the VM powered off after done")
    os.unlink(ram)
    return timings, random_line.strip()


def mode_snapshot(args):
    log("== snapshot: boot, save after hello, restore into new QEMU processes")
    base_ram = os.path.join("/dev/shm", f"ktstr-smoke-{os.getpid()}-base")
    args.shm.append(base_ram)
    state = os.path.join(args.work, "state")
    vm, ch = boot(args, "base", base_ram)
    time.sleep(0.5)  # let the agent settle in its wait for the cell
    qmp = Qmp(vm.qmp_path)
    t = time.time()
    qmp.cmd("stop")
    qmp.cmd("migrate-set-capabilities",
            capabilities=[{"capability": "x-ignore-shared", "state": True}])
    qmp.cmd("migrate", uri=f"exec:cat > {state}")
    while True:
        info = qmp.cmd("query-migrate")
        if info.get("status") == "completed":
            break
        if info.get("status") in ("failed", "cancelled"):
            raise RuntimeError(f"migration {info}")
        time.sleep(0.01)
    log(f"  saved in {(time.time() - t) * 1000:.0f} ms: device state {os.path.getsize(state)} bytes,"
        f" RAM file {os.stat(base_ram).st_blocks * 512 >> 20} MiB allocated")
    qmp.cmd("quit")
    qmp.close()
    vm.wait_exit(30)
    ch.close()

    results = []
    for i in range(args.restores):
        timings, random_line = restore(args, state, base_ram, i)
        results.append((timings, random_line))
    restore(args, state, base_ram, args.restores, refuse=True)
    randoms = [r for _, r in results]
    if args.no_reseed:
        log(f"  /dev/urandom without 'R': {randoms}")
        if len(randoms) > 1:
            log(f"  restored guests {'share' if len(set(randoms)) == 1 else 'do not share'}"
                " random bytes")
    else:
        log(f"  /dev/urandom after 'R': {randoms}")
        if len(randoms) > 1:
            check(len(set(randoms)) == len(randoms), "restored guests do not share random bytes")
    for i, (timings, _) in enumerate(results):
        log(f"  restore {i}: QEMU start -> pong {timings['qemu_start_to_pong_ms']:.0f} ms,"
            f" cont -> pong {timings['cont_to_pong_ms']:.0f} ms,"
            f" ping round trip {timings['ping_rtt_ms']:.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="all", choices=["reconnect", "snapshot", "all"])
    parser.add_argument("-k", "--kernel", default=default_kernel())
    parser.add_argument("--smp", type=int, default=2)
    parser.add_argument("--gap", type=float, default=3.0)
    parser.add_argument("--restores", type=int, default=2)
    parser.add_argument("--connect-early", action="store_true",
                        help="connect to the restored VM's channel before cont")
    parser.add_argument("--no-reseed", action="store_true",
                        help="skip 'R', to see what restored guests share without it")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--agent", default=AGENT, help="the agent binary (default: the built one)")
    args = parser.parse_args()
    if not os.path.exists(args.kernel):
        sys.exit("no kernel (use -k or KTSTR_KERNEL)")
    if args.agent == AGENT and not os.access(AGENT, os.X_OK):
        subprocess.run(["make", "-C", os.path.join(HERE, "..")], check=True)

    # SIGTERM ends the run like Ctrl-C does: through the cleanup below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.work = tempfile.mkdtemp(prefix="ktstr-smoke.")
    args.shm = []
    status = 1
    try:
        log(f"work dir {args.work}")
        args.initramfs = build_initramfs(args.work, args.agent)
        if args.mode in ("reconnect", "all"):
            mode_reconnect(args)
        if args.mode in ("snapshot", "all"):
            mode_snapshot(args)
        log("all passed")
        status = 0
    except (AssertionError, RuntimeError, TimeoutError, OSError) as e:
        log(f"FAILED: {e!r}")
        for name in sorted(os.listdir(args.work)):
            if name.endswith(".console.log"):
                lines = open(os.path.join(args.work, name), errors="replace").readlines()
                log(f"last lines of {name}:\n" + "".join(lines[-15:]))
    finally:
        Vm.kill_all()
        for path in args.shm:
            if os.path.exists(path):
                os.unlink(path)
        if args.keep or status:
            log(f"kept {args.work}")
        else:
            shutil.rmtree(args.work)
    sys.exit(status)


if __name__ == "__main__":
    main()
