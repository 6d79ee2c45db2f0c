#!/usr/bin/env python3
"""Prints name, type id and verified_insns of pinned BPF programs (bpf_prog_info via BPF_OBJ_GET_INFO_BY_FD),
for bpftool versions that do not show verified_insns. usage: prog_info.py PINNED..."""
import ctypes, os, struct, sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_BPF, BPF_OBJ_GET, BPF_OBJ_GET_INFO_BY_FD = 321, 7, 15  # x86_64


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, len(attr))
    r = libc.syscall(SYS_BPF, cmd, buf, len(attr))
    if r < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return r


for path in sys.argv[1:]:
    p = ctypes.create_string_buffer(path.encode())
    fd = bpf(BPF_OBJ_GET, struct.pack("=QII", ctypes.addressof(p), 0, 0).ljust(120, b"\0"))
    info = ctypes.create_string_buffer(256)
    bpf(BPF_OBJ_GET_INFO_BY_FD, struct.pack("=IIQ", fd, 256, ctypes.addressof(info)).ljust(120, b"\0"))
    os.close(fd)
    raw = info.raw
    ptype = struct.unpack_from("=I", raw, 0)[0]
    name = raw[64:80].split(b"\0")[0].decode()
    verified = struct.unpack_from("=I", raw, 216)[0]  # struct bpf_prog_info.verified_insns
    print(f"{name}\t{ptype}\t{verified}")
