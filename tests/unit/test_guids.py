"""GUID spelling: seeded ones are exactly what `uuid` would write (ids in datasets stay as they were)."""

from __future__ import annotations

import random
import uuid

from fakegraph import guids


def test_seeded_guids_match_uuid4_spelling_and_repeat_under_a_seed():
    ours, reference = random.Random(11), random.Random(11)
    for _ in range(2000):
        assert guids.seeded(ours) == str(uuid.UUID(int=reference.getrandbits(128), version=4))
    assert guids.seeded(random.Random(3)) == guids.seeded(random.Random(3))


def test_random_guids_are_version_4_and_distinct():
    made = [guids.random_guid() for _ in range(500)]
    assert len(set(made)) == len(made)
    for text in made:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)
