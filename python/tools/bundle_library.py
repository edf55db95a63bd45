#!/usr/bin/env python3
"""bundle_library.py SRC DST -- copy sdlite's libsystemd.so.0.35.0 to DST for the wheel, with
its SONAME rewritten in place (libsystemd.so.0 -> _libsdlite.so), and print the wheel's
platform tag (manylinux_X_Y_ARCH from the newest GLIBC_X.Y version the library needs).

Why the SONAME: glibc's loader matches a later request for a library against the SONAME of
every object already loaded. A copy that still says libsystemd.so.0, once ctypes has loaded
it, would satisfy the NEEDED libsystemd.so.0 of any extension loaded after it (python-systemd's
_daemon, say), binding that module to our copy instead of the system's. With another SONAME
the two never meet. Nothing else changes: the code, the exports and their version nodes are
byte for byte the ones built and tested from this tree (the new name is shorter and padded with
NUL bytes inside the same .dynstr slot; the base version definition, which names the file,
gets the new name's ELF hash).
"""
import shutil
import struct
import sys

OLD = b"libsystemd.so.0"
NEW = b"_libsdlite.so"
SHT_DYNAMIC, SHT_DYNSYM = 6, 11
SHT_GNU_VERDEF, SHT_GNU_VERNEED = 0x6FFFFFFD, 0x6FFFFFFE
DT_NULL, DT_NEEDED, DT_SONAME = 0, 1, 14
VER_FLG_BASE = 1
MACHINES = {62: "x86_64", 183: "aarch64", 3: "i686", 40: "armv7l", 21: "ppc64le", 22: "s390x",
            243: "riscv64"}


def die(msg: str) -> "None":
    sys.exit(f"bundle_library: {msg}")


def elf_hash(name: bytes) -> int:
    h = 0
    for c in name:
        h = ((h << 4) + c) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h


def cstr(data: bytes, at: int) -> bytes:
    return data[at:data.index(b"\0", at)]


def main() -> None:
    if len(sys.argv) != 3:
        die("usage: bundle_library.py SRC DST")
    src, dst = sys.argv[1:]
    data = bytearray(open(src, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        die(f"{src}: not a little-endian ELF64 object")
    machine = struct.unpack_from("<H", data, 18)[0]
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = []
    for i in range(shnum):
        name, typ, _flags, _addr, off, size, link, _info, _align, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", data, shoff + i * shentsize)
        sections.append((typ, off, size, link, entsize))
    dyn = [s for s in sections if s[0] == SHT_DYNAMIC]
    if len(dyn) != 1:
        die("no single .dynamic section")
    _, dyn_off, dyn_size, dynstr_index, _ = dyn[0]
    dynstr_off = sections[dynstr_index][1]

    soname_at = None
    other_names = []
    for at in range(dyn_off, dyn_off + dyn_size, 16):
        tag, val = struct.unpack_from("<qQ", data, at)
        if tag == DT_NULL:
            break
        if tag == DT_SONAME:
            soname_at = val
        elif tag == DT_NEEDED:
            other_names.append(val)
    if soname_at is None:
        die("no DT_SONAME")
    if cstr(data, dynstr_off + soname_at) != OLD:
        die(f"SONAME is {cstr(data, dynstr_off + soname_at)!r}, expected {OLD!r}")

    # No other name may live in the tail of the old one (the linker shares string tails).
    for typ, off, size, link, entsize in sections:
        if typ == SHT_DYNSYM and link == dynstr_index:
            other_names += [struct.unpack_from("<I", data, off + k)[0] for k in range(0, size, entsize)]
    for name in other_names:
        if soname_at < name < soname_at + len(OLD) + 1:
            die("another dynamic name shares the SONAME's bytes")

    glibc = (2, 2)
    for typ, off, size, link, _ in sections:
        if typ == SHT_GNU_VERDEF:
            at = off
            while True:
                _v, flags, _ndx, _cnt, _hash, aux, nxt = struct.unpack_from("<HHHHIII", data, at)
                vda_name, = struct.unpack_from("<I", data, at + aux)
                if flags & VER_FLG_BASE:
                    if vda_name != soname_at:
                        die("the base version definition does not name the SONAME")
                    struct.pack_into("<I", data, at + 8, elf_hash(NEW))
                elif vda_name != soname_at and soname_at < vda_name <= soname_at + len(OLD):
                    die("a version name shares the SONAME's bytes")
                if not nxt:
                    break
                at += nxt
        if typ == SHT_GNU_VERNEED:
            strtab = sections[link][1]
            at = off
            while True:
                _v, cnt, _file, aux, nxt = struct.unpack_from("<HHIII", data, at)
                a = at + aux
                for _ in range(cnt):
                    _h, _f, _o, name, anext = struct.unpack_from("<IHHII", data, a)
                    ver = cstr(data, strtab + name)
                    if ver.startswith(b"GLIBC_2."):
                        minor = ver[len(b"GLIBC_2."):].split(b".")[0]
                        if minor.isdigit():
                            glibc = max(glibc, (2, int(minor)))
                    if not anext:
                        break
                    a += anext
                if not nxt:
                    break
                at += nxt

    slot = dynstr_off + soname_at
    data[slot:slot + len(OLD)] = NEW + b"\0" * (len(OLD) - len(NEW))
    with open(dst, "wb") as f:
        f.write(data)
    shutil.copymode(src, dst)
    arch = MACHINES.get(machine)
    if arch is None:
        die(f"unknown ELF machine {machine}")
    print(f"manylinux_{glibc[0]}_{glibc[1]}_{arch}")


if __name__ == "__main__":
    main()
