"""Write a git history straight into one pack file: linear time in the number of commits.

`git fast-import` rewrites and re-deltifies a whole directory tree for every commit; with thousands
of records in a year folder that is milliseconds per commit, hours for half a million commits. Here
each commit's changed folder tree is spliced (one entry replaced or inserted), hashed once, and
stored as a delta against the folder's previous version (copy, insert the entry, copy), so a commit
costs one hash of its folder. The pack index (.idx v2) is written alongside; no object is read back.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import struct
import zlib
from array import array
from pathlib import Path

COMMIT, TREE, BLOB, OFS_DELTA = 1, 2, 3, 6
FULL_EVERY = 1000  # a folder tree is stored whole once in this many versions (bounds git's delta chains)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _copy(offset: int, size: int) -> bytes:
    """A delta copy instruction (size at most 0xFFFFFF)."""
    cmd, args = 0x80, bytearray()
    for i in range(4):
        byte = (offset >> (8 * i)) & 0xFF
        if byte:
            cmd |= 1 << i
            args.append(byte)
    for i in range(3):
        byte = (size >> (8 * i)) & 0xFF
        if byte:
            cmd |= 1 << (4 + i)
            args.append(byte)
    return bytes([cmd]) + bytes(args)


def _copies(offset: int, size: int) -> bytes:
    out = []
    while size > 0:
        step = min(size, 0xFFFFFF)
        out.append(_copy(offset, step))
        offset, size = offset + step, size - step
    return b"".join(out)


def _inserts(data: bytes) -> bytes:
    return b"".join(bytes([len(data[i:i + 127])]) + data[i:i + 127] for i in range(0, len(data), 127))


class PackWriter:
    """Objects appended to one pack; `finish()` writes the trailer and the index and returns the pack's name."""

    def __init__(self, git_dir: Path) -> None:
        self.folder = git_dir / "objects" / "pack"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.tmp = self.folder / "tmp-bench.pack"
        self.out = open(self.tmp, "wb")
        self.out.write(b"PACK" + struct.pack(">II", 2, 0))  # the object count is filled in at the end
        self.offset = 12
        self.shas: list[bytes] = []
        self.offsets = array("Q")
        self.crcs = array("L")

    def _entry(self, kind: int, size: int, payload: bytes, sha: bytes) -> int:
        header = bytearray([(kind << 4) | (size & 0x0F)])
        size >>= 4
        while size:
            header[-1] |= 0x80
            header.append(size & 0x7F)
            size >>= 7
        data = bytes(header) + payload
        at = self.offset
        self.out.write(data)
        self.offset += len(data)
        self.shas.append(sha)
        self.offsets.append(at)
        self.crcs.append(zlib.crc32(data))
        return at

    def add(self, kind: int, data: bytes) -> tuple[bytes, int]:
        """Store an object whole; (its binary sha, its pack offset)."""
        sha = hashlib.sha1(b"%s %d\0" % ((b"commit", b"tree", b"blob")[kind - 1], len(data)) + data).digest()
        return sha, self._entry(kind, len(data), zlib.compress(data, 1), sha)

    def add_delta(self, kind: int, data: bytes, delta: bytes, base_at: int) -> tuple[bytes, int]:
        """Store an object as a delta against the object at pack offset `base_at`."""
        sha = hashlib.sha1(b"%s %d\0" % ((b"commit", b"tree", b"blob")[kind - 1], len(data)) + data).digest()
        back = self.offset - base_at
        enc = bytearray([back & 0x7F])
        back >>= 7
        while back:
            back -= 1
            enc.insert(0, 0x80 | (back & 0x7F))
            back >>= 7
        return sha, self._entry(OFS_DELTA, len(delta), bytes(enc) + zlib.compress(delta, 1), sha)

    def finish(self) -> str:
        """Write the object count, the trailing checksum and the .idx; returns the pack's hex name."""
        count = len(self.shas)
        self.out.close()
        with open(self.tmp, "r+b") as handle:
            handle.seek(8)
            handle.write(struct.pack(">I", count))
            handle.seek(0)
            digest = hashlib.sha1()
            for block in iter(lambda: handle.read(1 << 22), b""):
                digest.update(block)
            trailer = digest.digest()
            handle.seek(0, os.SEEK_END)
            handle.write(trailer)
        order = sorted(range(count), key=self.shas.__getitem__)
        idx = hashlib.sha1()
        parts: list[bytes] = [b"\377tOc" + struct.pack(">I", 2)]
        fanout = [0] * 256
        for sha in self.shas:
            fanout[sha[0]] += 1
        total = 0
        for i in range(256):
            total += fanout[i]
            fanout[i] = total
        parts.append(struct.pack(">256I", *fanout))
        parts.append(b"".join(self.shas[i] for i in order))
        parts.append(struct.pack(f">{count}I", *(self.crcs[i] for i in order)))
        small, large = [], []
        for i in order:
            at = self.offsets[i]
            if at < 0x80000000:
                small.append(at)
            else:
                small.append(0x80000000 | len(large))
                large.append(at)
        parts.append(struct.pack(f">{count}I", *small))
        parts.append(struct.pack(f">{len(large)}Q", *large))
        parts.append(trailer)
        body = b"".join(parts)
        idx.update(body)
        name = trailer.hex()
        (self.folder / f"pack-{name}.idx").write_bytes(body + idx.digest())
        os.replace(self.tmp, self.folder / f"pack-{name}.pack")
        return name


def _key(name: bytes, is_dir: bool) -> bytes:
    return name + b"/" if is_dir else name


class Tree:
    """One folder's sorted entries and its last stored version (for splicing and deltas)."""

    def __init__(self) -> None:
        self.keys: list[bytes] = []
        self.entries: dict[bytes, bytes] = {}
        self.data = b""
        self.at = -1  # pack offset of the last stored version
        self.depth = 0
        self.sha = b""
        self.dirty = True

    def set(self, name: str, sha: bytes, is_dir: bool = False) -> tuple[int, int, bytes]:
        """Set an entry; (offset of the old entry in `data`, its length, the new entry) for a delta."""
        raw = name.encode("utf-8")
        key = _key(raw, is_dir)
        entry = (b"40000 " if is_dir else b"100644 ") + raw + b"\0" + sha
        old = self.entries.get(key)
        self.dirty = True
        if old is not None:
            at = self.data.find(b" " + raw + b"\0") - (5 if is_dir else 6) if self.data else -1
            self.entries[key] = entry
            return at, len(old), entry
        pos = bisect.bisect(self.keys, key)
        at = len(self.data) if pos == len(self.keys) else -1
        if pos < len(self.keys) and self.data:
            nxt = self.entries[self.keys[pos]]
            at = self.data.find(nxt[nxt.index(b" "):nxt.index(b"\0") + 1]) - nxt.index(b" ")
        self.keys.insert(pos, key)
        self.entries[key] = entry
        return at, 0, entry

    def store(self, pack: PackWriter, splice: tuple[int, int, bytes] | None = None) -> bytes:
        """Write this version (a delta when only `splice` changed since the last one); its sha."""
        if not self.dirty:
            return self.sha
        if splice is not None and self.at >= 0 and splice[0] >= 0 and self.depth < FULL_EVERY:
            at, old_len, entry = splice
            base = self.data
            self.data = base[:at] + entry + base[at + old_len:]
            delta = _varint(len(base)) + _varint(len(self.data)) + (_copies(0, at) if at else b"") + _inserts(entry) \
                + _copies(at + old_len, len(base) - at - old_len)
            self.sha, self.at = pack.add_delta(TREE, self.data, delta, self.at)
            self.depth += 1
        else:
            self.data = b"".join(self.entries[k] for k in self.keys)
            self.sha, self.at = pack.add(TREE, self.data)
            self.depth = 0
        self.dirty = False
        return self.sha


class History:
    """A repository's files as nested trees; `commit()` stores the changed trees and a commit object."""

    def __init__(self, pack: PackWriter) -> None:
        self.pack = pack
        self.trees: dict[str, Tree] = {"": Tree()}
        self.splices: dict[str, tuple[int, int, bytes]] = {}

    def put(self, path: str, text: str | bytes) -> None:
        """Write a file (its blob is stored now; the trees on commit)."""
        data = text.encode("utf-8") if isinstance(text, str) else text
        sha, _ = self.pack.add(BLOB, data)
        folder, _, name = path.rpartition("/")
        splice = self._tree(folder).set(name, sha)
        self.splices[folder] = splice if folder not in self.splices else (-1, 0, b"")
        while folder:  # every folder above changes too
            folder = folder.rpartition("/")[0]
            self._tree(folder).dirty = True

    def _tree(self, folder: str) -> Tree:
        tree = self.trees.get(folder)
        if tree is None:
            tree = self.trees[folder] = Tree()
        return tree

    def commit(self, parents: list[bytes], who: str, email: str, stamp: int, message: str) -> bytes:
        """Store every changed tree (deepest first) and the commit; its binary sha."""
        for folder in sorted((f for f, t in self.trees.items() if t.dirty), key=lambda f: -f.count("/") - bool(f)):
            tree = self.trees[folder]
            sha = tree.store(self.pack, self.splices.get(folder))
            if folder:
                parent, _, name = folder.rpartition("/")
                self.splices[parent] = (-1, 0, b"")
                self.trees[parent].set(name, sha, is_dir=True)
        self.splices.clear()
        lines = [f"tree {self.trees[''].sha.hex()}"] + [f"parent {p.hex()}" for p in parents]
        lines += [f"author {who} <{email}> {stamp} +0800", f"committer {who} <{email}> {stamp} +0800", "", message]
        sha, _ = self.pack.add(COMMIT, "\n".join(lines).encode("utf-8"))
        return sha

    def tree_sha(self) -> bytes:
        """The root tree of the last commit."""
        return self.trees[""].sha
