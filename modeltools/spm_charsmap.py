"""Build a SentencePiece "precompiled charsmap" from a per-codepoint replacement table.

The ``tokenizers`` ``Precompiled`` normalizer (what XLM-RoBERTa's tokenizer.json uses)
reads this blob::

    u32 trie_bytes | darts-clone double array (u32 units) | replacements, each NUL-ended

A key is the UTF-8 of one source character; its value is the byte offset of its
replacement in the tail. Use::

    charsmap = build_precompiled_charsmap({0x3000: " ", 0xFF21: "A", 0x200B: ""})
    normalizers.Precompiled(charsmap)
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

# darts-clone unit layout: bits 0-7 label, bit 8 has-leaf, bit 9 offset-scaled flag,
# bits 10-30 offset to the children's base; a leaf unit has bit 31 set and holds a value.
_HAS_LEAF = 1 << 8
_IS_LEAF = 1 << 31
_MAX_OFFSET = 1 << 21


def build_precompiled_charsmap(mapping: Mapping[int, str]) -> bytes:
    """Encode ``{codepoint: replacement}`` as a SentencePiece precompiled charsmap."""
    tail = bytearray()
    keys: list[tuple[bytes, int]] = []
    for codepoint in sorted(mapping):
        keys.append((chr(codepoint).encode("utf-8"), len(tail)))
        tail += mapping[codepoint].encode("utf-8") + b"\0"
    units = _double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(tail)


def _double_array(keys: list[tuple[bytes, int]]) -> list[int]:
    """darts-clone units for prefix-free byte ``keys`` with their integer values."""
    root: dict = {}
    for key, value in keys:
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value  # None marks "a key ends here"

    units = [0]
    used_position = [True]  # position 0 holds the root unit
    used_base: set[int] = set()
    search_from = 0
    pending: list[tuple[dict, int]] = [(root, 0)]
    while pending:
        node, position = pending.pop()
        labels = sorted(0 if label is None else label for label in node)
        base, search_from = _find_base(labels, used_position, used_base, search_from)
        used_base.add(base)
        offset = position ^ base
        if offset >= _MAX_OFFSET:
            msg = "Normalization table too large for a compact double array."
            raise ValueError(msg)
        units[position] |= offset << 10 | (_HAS_LEAF if None in node else 0)
        for label, child in node.items():
            child_position = base ^ (0 if label is None else label)
            while child_position >= len(units):
                units.append(0)
                used_position.append(False)
            used_position[child_position] = True
            if label is None:
                units[child_position] = _IS_LEAF | child
            else:
                units[child_position] = label
                pending.append((child, child_position))
    # Lookups jump to base ^ byte for any byte, which stays in base's 256-unit block.
    units += [0] * (-len(units) % 256)
    return units


def _find_base(labels: list[int], used_position: list[bool], used_base: set[int], start: int) -> tuple[int, int]:
    """First free base at or after ``start`` whose child slots are all free."""
    while start < len(used_position) and used_position[start]:
        start += 1
    position = start
    while True:
        base = position ^ labels[0]
        if base not in used_base and all(
            base ^ label >= len(used_position) or not used_position[base ^ label] for label in labels
        ):
            return base, start
        position += 1
        while position < len(used_position) and used_position[position]:
            position += 1
