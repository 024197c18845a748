"""The Merkle tree of RFC 9162 §2.1 (Certificate Transparency v2), small and exact (R18.1 可取证).

Pure: no ORM, clock, settings or I/O, so a verifier without our database runs the very same code.

- leaf hash `SHA-256(0x00 || leaf)`, interior hash `SHA-256(0x01 || left || right)`, empty tree `SHA-256("")`;
- a tree of n leaves splits at k, the largest power of two below n (§2.1.1);
- proofs are lists of *ranges* `[lo, hi)` whose tree hash is one proof element. Every such range starts
  at a multiple of a power of two at least as large as the range, so its hash folds from the stored
  hashes of O(log n) perfect subtrees (`perfect_nodes`). That is what keeps proofs O(log n) reads.

A perfect subtree is named by `(level, index)`: it covers leaves `[index·2^level, (index+1)·2^level)`.
"""

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class InvalidProof(ValueError):
    """A proof, size or hash that does not verify."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """k of §2.1.1: the largest power of two strictly smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) straight from the definition; the reference the stored tree is tested against."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = split_point(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


# --- the right edge of a growing tree -------------------------------------------------------------
def push_leaf(frontier: list[bytes], size: int, leaf: bytes) -> list[tuple[int, int, bytes]]:
    """Add leaf number `size` to `frontier` (the roots of the perfect subtrees of a tree of `size`
    leaves, largest first; changed in place). Returns the interior nodes `(level, index, hash)`
    that this leaf completes: one on average, at most log2(size)."""
    completed = []
    index, level, h = size, 0, leaf
    while index & 1:
        h = node_hash(frontier.pop(), h)
        index >>= 1
        level += 1
        completed.append((level, index, h))
    frontier.append(h)
    return completed


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The tree head of the tree whose perfect-subtree roots are `frontier`."""
    if not frontier:
        return EMPTY_ROOT
    acc = frontier[-1]
    for h in reversed(frontier[:-1]):
        acc = node_hash(h, acc)
    return acc


# --- which hashes a proof needs -------------------------------------------------------------------
def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """PATH(m, D[n]) of §2.1.3.1 as ranges, deepest first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo += k
    path.reverse()
    return path


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of §2.1.4.1 as ranges, deepest first."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from {old} to {new}")
    out = []
    lo, hi, m, whole = 0, new, old, True
    while m != hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
            m -= k
            whole = False
    if not whole:
        out.append((lo, hi))
    out.reverse()
    return out


def perfect_nodes(lo: int, hi: int) -> list[tuple[int, int]]:
    """The perfect subtrees `(level, index)` that make up `[lo, hi)`, largest first."""
    out = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        if lo:
            level = min(level, (lo & -lo).bit_length() - 1)
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its perfect subtrees (largest first), as §2.1.1 splits it."""
    return frontier_root(hashes)


def proof_hashes(ranges: Sequence[tuple[int, int]], node: Callable[[int, int], bytes]) -> list[bytes]:
    """Proof elements for `ranges`, reading perfect subtree hashes through `node(level, index)`."""
    return [fold([node(level, index) for level, index in perfect_nodes(lo, hi)]) for lo, hi in ranges]


# --- verification (§2.1.3.2, §2.1.4.2) ------------------------------------------------------------
def _check_hash(h: bytes, what: str) -> None:
    if not isinstance(h, bytes | bytearray) or len(h) != HASH_SIZE:
        raise InvalidProof(f"{what} is not a {HASH_SIZE}-byte hash")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    if not 0 <= index < size:
        raise InvalidProof(f"leaf index {index} outside a tree of {size}")
    _check_hash(leaf, "leaf hash")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        _check_hash(p, "proof element")
        if sn == 0:
            raise InvalidProof("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof("inclusion proof too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise `InvalidProof` unless `leaf` is leaf number `index` of the tree of `size` with `root`."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise InvalidProof("inclusion proof does not lead to the root")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Raise `InvalidProof` unless the tree (`new`, `new_root`) extends the tree (`old`, `old_root`)."""
    if new < old:
        raise InvalidProof(f"new size {new} is smaller than old size {old}")
    if old == 0:
        raise InvalidProof("a consistency proof from the empty tree proves nothing")
    if old == new:
        if proof:
            raise InvalidProof("equal sizes need an empty proof")
        if old_root != new_root:
            raise InvalidProof("equal sizes but different roots")
        return
    if not proof:
        raise InvalidProof("empty consistency proof")
    path = list(proof)
    for p in path:
        _check_hash(p, "proof element")
    if old & (old - 1) == 0:  # old is a power of two: its root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise InvalidProof("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof("consistency proof too short")
    if fr != old_root or sr != new_root:
        raise InvalidProof("consistency proof does not lead to both roots")
