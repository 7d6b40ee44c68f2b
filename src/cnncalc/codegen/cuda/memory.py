"""Place every intermediate buffer: first fit by lifetime, so buffers that are never live at
the same time share memory. Sizes are per sample; in the layered form a buffer at offset o
of size s holds sample n at arena + o·batch + n·s (all buffers scale with the batch, so
offsets chosen per sample never overlap at any batch). Network outputs go to the caller's
output buffer, one after another."""

from __future__ import annotations

from .ir import Buf, Step, Where

ALIGN = 4  # floats: 16-byte aligned buffers


def plan(steps: list[Step], outputs: list[Buf], where: Where) -> int:
    """Set each buffer's `where` and `offset`; return the arena's size per sample."""
    off = 0
    for b in outputs:
        b.where, b.offset = "output", off
        off += b.size
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    bufs: dict[int, Buf] = {}
    for k, s in enumerate(steps):
        for b in [s.out, *s.inputs]:
            if b.where in ("input", "output"):
                continue
            bufs[id(b)] = b
            first.setdefault(id(b), k)
            last[id(b)] = k
    placed: list[tuple[int, int, int, int]] = []  # (start, end, first, last)
    top = 0
    for key in sorted(bufs, key=lambda i: (first[i], -bufs[i].size)):
        b = bufs[key]
        size = (b.size + ALIGN - 1) // ALIGN * ALIGN
        live = sorted((lo, hi) for lo, hi, f, lst in placed if f <= last[key] and first[key] <= lst)
        at = 0
        for lo, hi in live:
            if at + size <= lo:
                break
            at = max(at, hi)
        b.where, b.offset = where, at
        placed.append((at, at + size, first[key], last[key]))
        top = max(top, at + size)
    return top
