"""GUIDs as Graph spells them (lower-case, version 4), from a seeded generator or from the OS."""

from __future__ import annotations

import os
import random

_V4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))  # the variant and version bits
_V4_SET = (0x8000 << 48) | (4 << 76)  # RFC 4122 variant, version 4


def seeded(rng: random.Random) -> str:
    """A GUID from 128 bits of `rng`: the same text as `str(uuid.UUID(int=bits, version=4))`, faster."""
    return _spelled(rng.getrandbits(128))


def random_guid() -> str:
    """A GUID from the OS's randomness (request ids: unique, not part of the seeded world)."""
    return _spelled(int.from_bytes(os.urandom(16)))


def _spelled(bits: int) -> str:
    h = f"{bits & _V4_CLEAR | _V4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
