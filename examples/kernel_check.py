#!/usr/bin/env python3
"""Runs every example in the Linux kernel and records what it did.

For each example (and scenario): load the object with bpftool (pinning the
program under /sys/fs/bpf/bpf4j-ex-NAME and its maps under
/sys/fs/bpf/bpf4j-ex-NAME-maps/), fill maps if the scenario says so, run every
frame of the capture once with BPF_PROG_TEST_RUN (`bpftool prog run`, pinned to
CPU 0 so per-CPU values land in one slot), then dump every map, read the ring
buffer, and remove the pins. The record is written to
examples/expected/NAME[-SCENARIO].json and a summary is printed.

These JSON files are the expected results for bpf4j's differential tests; the
tables in examples/README.md are generated from them (--markdown).

Needs root, bpftool and a mounted bpffs. Usage:
    sudo python3 examples/kernel_check.py              # all examples
    sudo python3 examples/kernel_check.py firewall     # one example
    python3 examples/kernel_check.py --markdown        # tables from the JSON
"""
import ctypes
import hashlib
import json
import mmap
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BPFFS = "/sys/fs/bpf"

XDP_RET = {0: "XDP_ABORTED", 1: "XDP_DROP", 2: "XDP_PASS", 3: "XDP_TX", 4: "XDP_REDIRECT"}
TC_RET = {-1: "TC_ACT_UNSPEC", 0: "TC_ACT_OK", 1: "TC_ACT_RECLASSIFY", 2: "TC_ACT_SHOT",
          3: "TC_ACT_PIPE", 4: "TC_ACT_STOLEN", 7: "TC_ACT_REDIRECT"}


def lpm_key(prefix, addr):
    return struct.pack("<I", prefix) + bytes(int(x) for x in addr.split("."))


def port_key(proto, port):
    return struct.pack("!HBB", port, proto, 0)


SK_BUFF_SIZE = 192  # sizeof(struct __sk_buff) in the 6.x uapi

ZERO_RULE = struct.pack("<Q", 0)

# name -> (object, capture, kind, {scenario: [(map, key bytes, value bytes)]})
EXAMPLES = {
    "firewall": ("xdp/firewall.bpf.o", "xdp/firewall.pcap", "xdp", {
        "": [],
        "filled": [
            ("blocked_src", lpm_key(8, "10.0.0.0"), ZERO_RULE),
            ("blocked_src", lpm_key(16, "10.1.0.0"), ZERO_RULE),
            ("blocked_src", lpm_key(24, "203.0.113.0"), ZERO_RULE),
            ("blocked_src", lpm_key(32, "192.0.2.99"), ZERO_RULE),
            ("blocked_ports", port_key(17, 53), ZERO_RULE),
            ("blocked_ports", port_key(6, 22), ZERO_RULE),
            ("blocked_ports", port_key(6, 0), ZERO_RULE),
        ],
    }),
    "loadbalancer": ("xdp/loadbalancer.bpf.o", "xdp/loadbalancer.pcap", "xdp", {"": []}),
    "counters": ("xdp/counters.bpf.o", "xdp/counters.pcap", "xdp", {"": []}),
    "events": ("xdp/events.bpf.o", "xdp/events.pcap", "xdp", {"": []}),
    "classifier": ("tc/classifier.bpf.o", "tc/classifier.pcap", "tc", {"": []}),
}


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data)[0]
    assert magic == 0xA1B2C3D4, "expected a little-endian microsecond pcap"
    off, frames = 24, []
    while off < len(data):
        _, _, incl, _ = struct.unpack_from("<IIII", data, off)
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def bpftool(*args, check=True):
    cmd = ["taskset", "-c", "0", "bpftool", *args]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return r


# ---- ring buffer reader (bpftool cannot dump a ring buffer) ---------------

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_BPF, BPF_OBJ_GET = 321, 7
BUSY_BIT, DISCARD_BIT = 1 << 31, 1 << 30


def obj_get(path):
    p = ctypes.create_string_buffer(path.encode())
    attr = ctypes.create_string_buffer(struct.pack("<QII", ctypes.addressof(p), 0, 0), 128)
    fd = libc.syscall(SYS_BPF, BPF_OBJ_GET, attr, 128)
    if fd < 0:
        raise OSError(ctypes.get_errno(), f"BPF_OBJ_GET {path}")
    return fd


def read_ringbuf(path, size):
    """Every record between the consumer and producer positions, discarded
    ones included (a consumer skips those; we report them to show they
    took their space)."""
    page = mmap.PAGESIZE
    fd = obj_get(path)
    try:
        m = mmap.mmap(fd, 2 * page + size, mmap.MAP_SHARED, mmap.PROT_READ)
    finally:
        os.close(fd)
    cons = struct.unpack_from("<Q", m, 0)[0]
    prod = struct.unpack_from("<Q", m, page)[0]
    records, pos = [], cons
    while pos < prod:
        off = 2 * page + (pos & (size - 1))
        hdr_len, _pg_off = struct.unpack_from("<II", m, off)
        length = hdr_len & ~(BUSY_BIT | DISCARD_BIT)
        body = m[off + 8:off + 8 + length]
        records.append({"pos": pos, "len": length,
                        "discarded": bool(hdr_len & DISCARD_BIT),
                        "busy": bool(hdr_len & BUSY_BIT),
                        "data": body.hex()})
        pos += (length + 8 + 7) & ~7
    m.close()
    return {"consumer_pos": cons, "producer_pos": prod, "records": records}


# ---- one run ----------------------------------------------------------------

def processed_insns(obj, pin):
    """Load once with the verifier log on, to read 'processed N insns'."""
    r = bpftool("-d", "prog", "load", obj, pin, check=False)
    subprocess.run(["rm", "-f", pin])
    m = re.findall(r"processed (\d+) insns", r.stderr)
    return int(m[-1]) if m else None


def run_example(name, scenario):
    obj_rel, pcap_rel, kind, scenarios = EXAMPLES[name]
    obj, pcap = os.path.join(HERE, obj_rel), os.path.join(HERE, pcap_rel)
    pin, mapdir = f"{BPFFS}/bpf4j-ex-{name}", f"{BPFFS}/bpf4j-ex-{name}-maps"
    for p in (pin, mapdir):
        if os.path.exists(p):
            raise RuntimeError(f"{p} exists: a previous run did not clean up")
    record = {"example": name, "scenario": scenario or "default",
              "object": obj_rel, "capture": pcap_rel, "kind": kind,
              "object_sha256": hashlib.sha256(open(obj, "rb").read()).hexdigest(),
              "capture_sha256": hashlib.sha256(open(pcap, "rb").read()).hexdigest(),
              "kernel": platform.release(),
              "processed_insns": processed_insns(obj, pin)}
    tmp = tempfile.mkdtemp(prefix="bpf4j-ex-")
    bpftool("prog", "load", obj, pin, "pinmaps", mapdir)
    try:
        info = json.loads(bpftool("-j", "prog", "show", "pinned", pin).stdout)
        record["xlated_insns"] = info["bytes_xlated"] // 8
        record["prog_tag"] = info["tag"]
        record["map_updates"] = [{"map": m, "key": k.hex(), "value": v.hex()}
                                 for m, k, v in scenarios[scenario]]
        for m, k, v in scenarios[scenario]:
            bpftool("map", "update", "pinned", f"{mapdir}/{m}",
                    "key", "hex", *[f"{b:02x}" for b in k],
                    "value", "hex", *[f"{b:02x}" for b in v])
        names = XDP_RET if kind == "xdp" else TC_RET
        frames = []
        for i, frame in enumerate(read_pcap(pcap), 1):
            fin, fout, cout = (os.path.join(tmp, x) for x in ("in", "out", "ctx"))
            with open(fin, "wb") as f:
                f.write(frame)
            for p in (fout, cout):
                if os.path.exists(p):
                    os.unlink(p)
            args = ["-j", "prog", "run", "pinned", pin, "data_in", fin,
                    "data_out", fout, "repeat", "1"]
            if kind == "tc":
                # bpftool only asks for the context back when one is passed in;
                # an all-zero struct __sk_buff (192 bytes) is what the kernel
                # would use without one.
                cin = os.path.join(tmp, "ctx_in")
                with open(cin, "wb") as f:
                    f.write(bytes(SK_BUFF_SIZE))
                args += ["ctx_in", cin, "ctx_out", cout]
            r = bpftool(*args, check=False)
            entry = {"frame": i, "len": len(frame)}
            if r.returncode != 0:
                err = r.stderr.strip() or r.stdout.strip()
                entry.update(retval=None, error=err.splitlines()[-1] if err else "failed")
            else:
                ret = json.loads(r.stdout)["retval"]
                ret = ret - (1 << 32) if ret >= 1 << 31 else ret
                entry.update(retval=ret, verdict=names.get(ret, str(ret)))
                with open(fout, "rb") as f:
                    out = f.read()
                entry["data_out_changed"] = out != frame
                if out != frame:
                    entry["data_out"] = out.hex()
                if kind == "tc" and os.path.exists(cout):
                    with open(cout, "rb") as f:
                        ctx = f.read()
                    # struct __sk_buff: mark at 8, priority at 32
                    entry["mark"] = struct.unpack_from("<I", ctx, 8)[0]
                    entry["priority"] = struct.unpack_from("<I", ctx, 32)[0]
            frames.append(entry)
        record["frames"] = frames
        maps = {}
        for m in sorted(os.listdir(mapdir)):
            show = json.loads(bpftool("-j", "map", "show", "pinned", f"{mapdir}/{m}").stdout)
            if show["type"] == "ringbuf":
                maps[m] = {"type": "ringbuf",
                           **read_ringbuf(f"{mapdir}/{m}", show["max_entries"])}
            else:
                dump = json.loads(bpftool("-j", "map", "dump", "pinned", f"{mapdir}/{m}").stdout)
                # Sorted by key bytes: a hash map's own order depends on its
                # random seed and changes from load to load.
                entries = sorted((compact(e) for e in dump), key=lambda e: e["key"])
                maps[m] = {"type": show["type"], "entries": entries}
        record["maps"] = maps
    finally:
        subprocess.run(["rm", "-rf", pin, mapdir, tmp])
    return record


def _hex(byte_list):
    return "".join(b[2:] for b in byte_list)


def compact(entry):
    """bpftool prints bytes as lists of "0x.." strings; keep them as one hex
    string each, and keep bpftool's BTF-formatted view next to them."""
    out = {"key": _hex(entry["key"])}
    if "value" in entry:
        out["value"] = _hex(entry["value"])
    if "values" in entry:  # per-CPU maps
        out["values"] = [{"cpu": v["cpu"], "value": _hex(v["value"])} for v in entry["values"]]
    if "formatted" in entry:
        out["formatted"] = entry["formatted"]
    return out


def out_name(name, scenario):
    return os.path.join(HERE, "expected", f"{name}{'-' + scenario if scenario else ''}.json")


def summary(rec):
    verdicts = [f"{f['frame']}:{f.get('verdict') or 'ERR'}" for f in rec["frames"]]
    return f"{rec['example']} [{rec['scenario']}] processed={rec['processed_insns']} " \
           f"xlated={rec['xlated_insns']}\n  " + " ".join(verdicts)


def markdown():
    """Per-frame tables for README.md, from the recorded JSON."""
    sys.path.insert(0, HERE)
    import make_pcaps
    for name, (obj, pcap, kind, scenarios) in EXAMPLES.items():
        what = [w for _, w in make_pcaps.CAPTURES[pcap]()]
        recs = [json.load(open(out_name(name, s))) for s in scenarios]
        head = ["#", "len", "frame"] + [f"kernel ({r['scenario']})" if len(recs) > 1
                                        else "kernel" for r in recs]
        print(f"\n{name}: `{pcap}`\n")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for i, w in enumerate(what):
            cells = [str(i + 1), str(recs[0]["frames"][i]["len"]), w]
            for r in recs:
                f = r["frames"][i]
                if f["retval"] is None:
                    cells.append("EINVAL (not run)")
                    continue
                c = f"{f['verdict']} ({f['retval']})"
                if f.get("data_out_changed"):
                    c += ", rewritten"
                if kind == "tc" and (f.get("mark") or f.get("priority")):
                    c += f", mark 0x{f['mark']:x} prio {f['priority']}"
                cells.append(c)
            print("| " + " | ".join(cells) + " |")


def main(argv):
    if "--markdown" in argv:
        markdown()
        return
    if shutil.which("bpftool") is None:
        sys.exit("bpftool not found")
    if os.geteuid() != 0:
        sys.exit("needs root (BPF_PROG_LOAD, bpffs)")
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    names = [a for a in argv if not a.startswith("-")] or list(EXAMPLES)
    for name in names:
        for scenario in EXAMPLES[name][3]:
            rec = run_example(name, scenario)
            with open(out_name(name, scenario), "w") as f:
                json.dump(rec, f, indent=1)
                f.write("\n")
            print(summary(rec))


if __name__ == "__main__":
    main(sys.argv[1:])
