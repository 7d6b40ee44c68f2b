"""Place every intermediate buffer: first fit by lifetime, so buffers that are never live at
the same time share memory. Sizes are per sample; in the layered form a buffer at offset o
of size s holds sample n at arena + o·batch + n·s (all buffers scale with the batch, so
offsets chosen per sample never overlap at any batch). Network outputs go to the caller's
output buffer, one after another."""

from __future__ import annotations

import bisect
import heapq

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
    # First fit by lifetime. Buffers are placed in order of their first step, so a placed
    # buffer whose last step is before the current first never conflicts again: it returns
    # its range to the free list. The live ranges are disjoint, so the lowest free range that
    # fits is the first fit; scanning every placed buffer for each one was quadratic.
    expiring: list[tuple[int, int, int]] = []  # (last step, start, end) of live buffers
    free: list[list[int]] = []  # disjoint [start, end) below `end`, sorted
    end = 0  # the end of the highest live buffer
    top = 0
    for key in sorted(bufs, key=lambda i: (first[i], -bufs[i].size)):
        b = bufs[key]
        size = (b.size + ALIGN - 1) // ALIGN * ALIGN
        while expiring and expiring[0][0] < first[key]:
            _, lo, hi = heapq.heappop(expiring)
            end = _release(free, lo, hi, end)
        at = end
        if size == 0:
            at = 0
        else:
            for k, (lo, hi) in enumerate(free):
                if hi - lo >= size:
                    at = lo
                    if hi - lo == size:
                        del free[k]
                    else:
                        free[k][0] = lo + size
                    break
            else:
                end += size
        b.where, b.offset = where, at
        if size:
            heapq.heappush(expiring, (last[key], at, at + size))
        top = max(top, at + size)
    return top


def _release(free: list[list[int]], lo: int, hi: int, end: int) -> int:
    """Return [lo, hi) to the free list, merged with its neighbours; the new live end."""
    k = bisect.bisect_left(free, [lo, hi])
    if k < len(free) and free[k][0] == hi:
        hi = free.pop(k)[1]
    if k and free[k - 1][1] == lo:
        k -= 1
        lo = free.pop(k)[0]
    if hi == end:  # the top buffer: the space above the live ones, not a gap
        return lo
    free.insert(k, [lo, hi])
    return end
