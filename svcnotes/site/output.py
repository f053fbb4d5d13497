"""Writing the build's output files: each one replaced atomically, without freeing an inode per file.

A file is written under a temporary name beside it and renamed over the old one, so a reader (or a
build killed at that moment) sees the old file or the new one, whole. Renaming over an existing
file frees the old file's inode and blocks; freeing tens of thousands of them in one rebuild (after
a template change every page is rewritten) costs the kernel more than the rendering saves: ext4
passes over each recently freed inode when it allocates the next, for minutes, and a file system
mounted with `discard` trims every freed block, synchronously, as it goes. So the old file is not
freed: before the rename it gets a second name (a spare of its folder), and a later file written in
that folder is written into a spare, over its old bytes, and renamed into place in turn, unless
anyone still has the old file open (then it is left to them, and freed when they close it).

Each process keeps a few spares per folder (`POOL`) and writes into the one whose allocated size
fits the new bytes best (the same number of blocks, else fewer: a file cut shorter frees its tail
blocks, which is what this avoids), and removes them when it is done (`release_spares`): a rebuild
frees a few inodes per folder and process instead of one per page.

The spares are dot-files ending in `.tmp`, like the temporary names: a build killed while it holds
some leaves them behind, and the next build (which finds the killed build's marker) removes every
such file from the output folder.

Only svcnotes.site.build imports this (the parent process for the files it writes, each render
worker for its own pages).
"""

from __future__ import annotations

import fcntl
import itertools
import os

POOL = 4  # spares kept per folder: enough that one usually has the size a new page needs
BLOCK = 4096  # the file system's block (ext4's usual one): a spare fits when it has as many

_MADE_DIRS: set[str] = set()
_SPARES: dict[str, list[tuple[int, str]]] = {}  # folder -> its spares: (bytes allocated, name)
_OWNER = [os.getpid()]  # the process _SPARES belongs to: a forked worker starts with none of its parent's
_NUMBERS = itertools.count()


def write_if_changed(path: os.PathLike[str] | str, data: bytes) -> bool:
    """Write `data` to `path` atomically unless the file already holds exactly these bytes; True when written."""
    name = os.fspath(path)
    folder = os.path.dirname(name)
    try:
        old = os.stat(name)
        if old.st_size == len(data):
            with open(name, "rb") as current:
                if current.read() == data:
                    return False
    except OSError:
        old = None
        if folder not in _MADE_DIRS:
            os.makedirs(folder, exist_ok=True)
            _MADE_DIRS.add(folder)
    spares = _mine().setdefault(folder, [])
    tmp = ""
    if len(spares) >= POOL or (old is None and spares):
        spare = _best(spares, -(-len(data) // BLOCK) * BLOCK)
        tmp = spare if _overwrite(spare, data) else ""
    tmp = tmp or _fresh(folder, name, data)
    keep = ""
    if old is not None:
        keep = os.path.join(folder, f".svcnotes-spare-{os.getpid()}-{next(_NUMBERS)}.tmp")
        try:
            os.link(name, keep)  # the old file keeps its inode (and blocks) for a later write here
        except OSError:
            keep = ""
    try:
        os.replace(tmp, name)  # a reader (or a build killed now) sees the old file or the new one, whole
    except BaseException:
        if keep:
            os.unlink(keep)  # a second name of the file still shown: never to be written into
        raise
    if old is not None and keep:
        spares.append((old.st_blocks * 512, keep))
    return True


def release_spares() -> None:
    """Remove this process's spares (at the end of its share of the writing)."""
    for spares in _mine().values():
        for _, spare in spares:
            _remove(spare)
    _SPARES.clear()


def remove_leftovers(out: os.PathLike[str] | str) -> None:
    """Remove what killed writes left in `out`: temporary files and spares (every name this module
    gives is a dot-file ending in `.tmp`)."""
    for folder, _, files in os.walk(out):
        for name in files:
            if name.startswith(".") and name.endswith(".tmp"):
                _remove(os.path.join(folder, name))


def _mine() -> dict[str, list[tuple[int, str]]]:
    """This process's spares: a forked worker starts with none of its parent's."""
    if _OWNER[0] != os.getpid():
        _SPARES.clear()
        _OWNER[0] = os.getpid()
    return _SPARES


def _best(spares: list[tuple[int, str]], size: int) -> str:
    """Take the spare that fits `size` bytes best: as many blocks, else the largest with fewer, else the smallest."""
    fewer = [i for i, (have, _) in enumerate(spares) if have <= size]
    pick = (max(fewer, key=lambda i: spares[i][0]) if fewer
            else min(range(len(spares)), key=lambda i: spares[i][0]))
    return spares.pop(pick)[1]


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _fresh(folder: str, name: str, data: bytes) -> str:
    """A new temporary file beside `name` holding `data`."""
    tmp = os.path.join(folder, f".{os.path.basename(name)}.tmp")
    try:
        handle = open(tmp, "wb")
    except FileNotFoundError:  # the folder was removed since this process made it
        os.makedirs(folder, exist_ok=True)
        handle = open(tmp, "wb")
    with handle:
        handle.write(data)
    return tmp


def _overwrite(spare: str, data: bytes) -> bool:
    """Write `data` over the spare's old bytes (its blocks are reused, none freed). False, and the
    spare given up, when it is gone or anyone still has it open: a reader that opened the old page
    before it was replaced (a browser's download from `svcnotes serve`, say) reads the old bytes to
    the end. The kernel grants a write lease only on a file nobody else holds open, and while the
    lease is held (until the close) nobody can open it without waiting for us."""
    try:
        fd = os.open(spare, os.O_WRONLY)
    except OSError:
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
    except OSError:  # held open elsewhere (or leases not supported here): a new file instead
        os.close(fd)
        _remove(spare)
        return False
    try:
        _write_all(fd, data)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)
    return True


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
