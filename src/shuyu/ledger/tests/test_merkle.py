"""RFC 9162 tree, proofs and verification: published vectors and properties (R18.1 可取证)."""

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuyu.ledger import merkle

VECTORS = json.loads((Path(__file__).parent / "rfc9162_vectors.json").read_text())

# The eight leaves of the RFC 6962 / transparency-dev reference tree and its roots for sizes 0..8.
REFERENCE_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                    "606162636465666768696a6b6c6d6e6f"]  # fmt: skip
REFERENCE_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _b64(s: str | None) -> bytes:
    return base64.b64decode(s or "")


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


class MemoryTree:
    """The stored-tree algorithm kept in a dict, exactly as services keeps it in LedgerNode rows."""

    def __init__(self, leaves: list[bytes]):
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.frontier: list[bytes] = []
        for i, leaf in enumerate(leaves):
            self.nodes[(0, i)] = leaf
            for level, index, h in merkle.push_leaf(self.frontier, i, leaf):
                self.nodes[(level, index)] = h

    def node(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return merkle.proof_hashes(merkle.inclusion_ranges(index, size), self.node)

    def consistency(self, old: int, new: int) -> list[bytes]:
        return merkle.proof_hashes(merkle.consistency_ranges(old, new), self.node)


def test_reference_tree_roots_for_every_size():
    leaves = [merkle.leaf_hash(bytes.fromhex(x)) for x in REFERENCE_LEAVES]
    for n, want in enumerate(REFERENCE_ROOTS):
        assert merkle.root_of(leaves[:n]).hex() == want
        assert merkle.frontier_root(MemoryTree(leaves[:n]).frontier).hex() == want


def test_reference_tree_proofs_match_published_vectors():
    tree = MemoryTree([merkle.leaf_hash(bytes.fromhex(x)) for x in REFERENCE_LEAVES])
    checked = 0
    for v in VECTORS["inclusion"]:
        if v["desc"] == "happy path" and v["treeSize"] <= 8:
            assert tree.inclusion(v["leafIdx"], v["treeSize"]) == [_b64(p) for p in v["proof"] or []], v[
                "file"
            ]
            checked += 1
    for v in VECTORS["consistency"]:
        if v["desc"] == "happy path" and 0 < v["size1"] < v["size2"] <= 8:
            assert tree.consistency(v["size1"], v["size2"]) == [_b64(p) for p in v["proof"] or []], v["file"]
            checked += 1
    assert checked >= 8


@pytest.mark.parametrize("vector", VECTORS["inclusion"], ids=lambda v: v["file"])
def test_inclusion_vectors(vector):
    args = (
        vector["leafIdx"],
        vector["treeSize"],
        _b64(vector["leafHash"]),
        [_b64(p) for p in vector["proof"] or []],
    )
    if vector["wantErr"]:
        with pytest.raises(merkle.InvalidProof):
            merkle.verify_inclusion(*args, _b64(vector["root"]))
    else:
        merkle.verify_inclusion(*args, _b64(vector["root"]))


@pytest.mark.parametrize("vector", VECTORS["consistency"], ids=lambda v: v["file"])
def test_consistency_vectors(vector):
    args = (vector["size1"], vector["size2"], _b64(vector["root1"]), _b64(vector["root2"]))
    proof = [_b64(p) for p in vector["proof"] or []]
    if vector["wantErr"]:
        with pytest.raises(merkle.InvalidProof):
            merkle.verify_consistency(*args, proof)
    else:
        merkle.verify_consistency(*args, proof)


@st.composite
def tree_and_index(draw):
    size = draw(st.integers(min_value=1, max_value=300))
    return size, draw(st.integers(min_value=0, max_value=size - 1))


@given(tree_and_index())
def test_every_inclusion_proof_verifies(case):
    size, index = case
    leaves = _leaves(size)
    tree = MemoryTree(leaves)
    root = merkle.root_of(leaves)
    proof = tree.inclusion(index, size)
    assert len(proof) <= (size - 1).bit_length()
    merkle.verify_inclusion(index, size, leaves[index], proof, root)


@given(tree_and_index(), st.data())
def test_any_flipped_bit_breaks_an_inclusion_proof(case, data):
    size, index = case
    leaves = _leaves(size)
    root = merkle.root_of(leaves)
    parts = [leaves[index], root, *MemoryTree(leaves).inclusion(index, size)]
    which = data.draw(st.integers(0, len(parts) - 1))
    bit = data.draw(st.integers(0, 255))
    flipped = bytearray(parts[which])
    flipped[bit // 8] ^= 1 << (bit % 8)
    parts[which] = bytes(flipped)
    with pytest.raises(merkle.InvalidProof):
        merkle.verify_inclusion(index, size, parts[0], parts[2:], parts[1])


@st.composite
def two_sizes(draw):
    new = draw(st.integers(min_value=1, max_value=300))
    return draw(st.integers(min_value=1, max_value=new)), new


@given(two_sizes())
def test_every_consistency_proof_verifies(sizes):
    old, new = sizes
    leaves = _leaves(new)
    proof = MemoryTree(leaves).consistency(old, new)
    merkle.verify_consistency(old, new, merkle.root_of(leaves[:old]), merkle.root_of(leaves), proof)


@given(two_sizes(), st.data())
def test_any_flipped_bit_breaks_a_consistency_proof(sizes, data):
    old, new = sizes
    leaves = _leaves(new)
    parts = [merkle.root_of(leaves[:old]), merkle.root_of(leaves), *MemoryTree(leaves).consistency(old, new)]
    which = data.draw(st.integers(0, len(parts) - 1))
    if old == new and which > 0:
        which = 1  # equal sizes: the proof is empty, so corrupt the new root
    bit = data.draw(st.integers(0, 255))
    flipped = bytearray(parts[which])
    flipped[bit // 8] ^= 1 << (bit % 8)
    parts[which] = bytes(flipped)
    with pytest.raises(merkle.InvalidProof):
        merkle.verify_consistency(old, new, parts[0], parts[1], parts[2:])


@given(two_sizes())
def test_truncated_proofs_fail(sizes):
    old, new = sizes
    leaves = _leaves(new)
    tree = MemoryTree(leaves)
    proof = tree.consistency(old, new)
    if proof:
        with pytest.raises(merkle.InvalidProof):
            merkle.verify_consistency(
                old, new, merkle.root_of(leaves[:old]), merkle.root_of(leaves), proof[:-1]
            )
    inclusion = tree.inclusion(old - 1, new)
    if inclusion:
        with pytest.raises(merkle.InvalidProof):
            merkle.verify_inclusion(old - 1, new, leaves[old - 1], inclusion[:-1], merkle.root_of(leaves))


def test_stored_nodes_are_exactly_the_perfect_subtrees():
    leaves = _leaves(37)
    tree = MemoryTree(leaves)
    for (level, index), h in tree.nodes.items():
        assert h == merkle.root_of(leaves[index << level : (index + 1) << level])
    assert sum(1 for level, _ in tree.nodes if level) == 37 - bin(37).count("1")


def test_empty_tree_root_is_sha256_of_nothing():
    assert merkle.EMPTY_ROOT == hashlib.sha256(b"").digest() == merkle.frontier_root([])


_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)


@given(
    seq=st.integers(0, 2**53),
    person=st.none() | st.integers(0, 2**40),
    org=st.none() | st.integers(0, 2**40),
    actor=_text,
    roles=st.lists(_text, max_size=3),
    action=_text,
    kind=_text,
    ident=_text,
    at=_text,
)
def test_leaf_bytes_are_the_canonical_json_of_the_fields(
    seq, person, org, actor, roles, action, kind, ident, at
):
    from shuyu.ledger.evidence import EntryFields, canonical_json

    f = EntryFields(seq, at, person, org, actor, tuple(roles), action, kind, ident, "ab" * 32)
    assert f.leaf_bytes() == canonical_json(f.leaf_dict()).encode()
