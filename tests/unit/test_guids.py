"""GUID spelling: seeded ones are exactly what `uuid` would write (ids in datasets stay as they were)."""

from __future__ import annotations

import random
import uuid

from fakegraph.http.state import build_state
from fakegraph.model import guids
from fakegraph.model.settings import Settings


def test_seeded_guids_match_uuid4_spelling_and_repeat_under_a_seed():
    ours, reference = random.Random(11), random.Random(11)
    for _ in range(2000):
        assert guids.draw(ours) == str(uuid.UUID(int=reference.getrandbits(128), version=4))
    assert guids.draw(random.Random(3)) == guids.draw(random.Random(3))


def test_request_ids_are_version_4_distinct_and_outside_the_seed():
    """Two servers with the same seed give different request ids (Graph's are random), both valid GUIDs."""
    first, second = build_state(Settings(dataset="empty")), build_state(Settings(dataset="empty"))
    made = [first.new_request_id() for _ in range(500)] + [second.new_request_id() for _ in range(500)]
    assert len(set(made)) == len(made)
    for text in made:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)
