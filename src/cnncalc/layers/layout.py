"""Strides of a tensor in its storage, as torch lays them out: what the memory walk follows
so that a view (permute, a piece of a split, reshape where it can view) shares its input's
storage and a copy (reshape or flatten where it cannot, the windows of an attention) is a
storage of its own. Each rule is the torch source's it names; all over concrete sizes with
the batch first."""

from __future__ import annotations

from collections.abc import Sequence

Strides = tuple[int, ...]


def dense(sizes: Sequence[int]) -> Strides:
    """Contiguous (row-major) strides."""
    out, step = [], 1
    for n in reversed(sizes):
        out.append(step)
        step *= max(n, 1)
    return tuple(reversed(out))


def is_contiguous(sizes: Sequence[int], strides: Strides) -> bool:
    """torch's is_contiguous: axes of size 1 may have any stride."""
    return all(n == 1 or s == e for n, s, e in zip(sizes, strides, dense(sizes), strict=True))


def is_dense(sizes: Sequence[int], strides: Strides) -> bool:
    """torch's is_non_overlapping_and_dense: a permutation of a contiguous layout."""
    step = 1
    for s, n in sorted((s, n) for n, s in zip(sizes, strides, strict=True) if n != 1):
        if s != step:
            return False
        step *= n
    return True


def permute(strides: Strides, order: Sequence[int]) -> Strides:
    return tuple(strides[a] for a in order)


def elementwise(sizes: Sequence[int], operands: Sequence[tuple[Sequence[int], Strides]]) -> Strides:
    """The output of a TensorIterator op (unary, binary, with broadcasting) on operands of
    these sizes and strides: contiguous where all are, the strides of all where they share
    one dense layout, else dense in the axis order the operands' strides give
    (TensorIterator::fast_set_up, reorder_dimensions, allocate_or_resize_outputs)."""
    rank = len(sizes)
    full = [(tuple(s), t) for s, t in operands if tuple(s) == tuple(sizes)]
    if len(full) == len(operands):
        if all(is_contiguous(s, t) for s, t in full):
            return dense(sizes)
        if all(is_dense(s, t) for s, t in full) and len({t for _, t in full}) == 1:
            return full[0][1]
    # strides aligned right, 0 where an operand broadcasts
    aligned = []
    for s, t in operands:
        pad = rank - len(s)
        broadcast = [i < pad or (s[i - pad] == 1 and sizes[i] != 1) for i in range(rank)]
        aligned.append([0 if b else t[i - pad] for i, b in enumerate(broadcast)])

    def swap(d0: int, d1: int) -> int:
        for st in aligned:
            s0, s1 = st[d0], st[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 < s1:
                return -1
            if s0 > s1:
                return 1
            if sizes[d0] > sizes[d1]:
                return 1
        return 0

    perm = list(range(rank - 1, -1, -1))  # fastest axis first
    for i in range(1, rank):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    out, step = [0] * rank, 1
    for a in perm:
        out[a] = step
        step *= max(sizes[a], 1)
    return tuple(out)


def view(sizes: Sequence[int], strides: Strides, new: Sequence[int]) -> Strides | None:
    """The strides of a view of this tensor as `new` sizes, None where no view exists and
    reshape copies (torch's computeStride, aten/src/ATen/TensorUtils.cpp)."""
    if not sizes:
        return tuple(1 for _ in new)
    out = [0] * len(new)
    view_d = len(new) - 1
    base, tensor_numel, view_numel = strides[-1], 1, 1
    for d in range(len(sizes) - 1, -1, -1):
        tensor_numel *= sizes[d]
        if d == 0 or (sizes[d - 1] != 1 and strides[d - 1] != tensor_numel * base):
            while view_d >= 0 and (view_numel < tensor_numel or new[view_d] == 1):
                out[view_d] = view_numel * base
                view_numel *= new[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                base, tensor_numel, view_numel = strides[d - 1], 1, 1
    return tuple(out) if view_d == -1 else None


def reshaped(
    strides: Strides | None, sizes: Sequence[int], new: Sequence[int]
) -> tuple[int | None, Strides | None] | None:
    """torch's reshape (and flatten): a view of input 0 where computeStride finds one, else a
    contiguous copy, a storage of its own (`clone` then `_unsafe_view`); as Layer.layout
    returns it. None: the input's layout is not followed (refused)."""
    if strides is None:
        return None
    v = view(sizes, strides, new)
    return (0, v) if v is not None else (None, dense(new))


def is_channels_last(sizes: Sequence[int], strides: Strides) -> bool:
    """Whether torch suggests the channels-last memory format for a tensor of this layout
    (suggest_memory_format: is_channels_last_strides_2d/3d): a 4-D or 5-D tensor whose
    channels are fastest, then the spatial axes from the last, the batch slowest; ambiguous
    cases (N×1×1×1) read as contiguous."""
    rank = len(sizes)
    if rank not in (4, 5) or strides[1] == 0:
        return False
    low = 0
    for d in (1, 3, 2, 0) if rank == 4 else (1, 4, 3, 2, 0):
        if sizes[d] == 0 or strides[d] < low or (d == 0 and low == strides[1]):
            return False
        low = strides[d] * (sizes[d] if sizes[d] > 1 else 1)
    return True


def laid_out(sizes: Sequence[int], last: bool) -> Strides:
    """Dense strides in torch's channels-last memory format (`last`), else contiguous."""
    if not last:
        return dense(sizes)
    order = (0, *range(2, len(sizes)), 1)  # N, the spatial axes, C: slowest to fastest
    step, out = 1, [0] * len(sizes)
    for a in reversed(order):
        out[a] = step
        step *= max(sizes[a], 1)
    return tuple(out)
