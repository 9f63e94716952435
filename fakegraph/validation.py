"""Request body problems: schema violations and documentation placeholders, each naming its property.

Pure: the server turns the first problem into a Graph 400; tests use it on documented examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema.protocols import Validator

from fakegraph import placeholders


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a body: where (a JSON pointer) and what."""

    pointer: str
    message: str

    @property
    def property(self) -> str:
        """The top-level property the problem is in ('' for the body itself)."""
        return self.pointer.lstrip("/").split("/", 1)[0]


def body_problems(body: Any, validator: Validator) -> list[Problem]:
    """Placeholders first (they are the likelier mistake), then schema violations."""
    found = [
        Problem(placeholders.pointer(path), f"{value!r} is a documentation placeholder, not a value")
        for path, value in placeholders.find(body)
    ]
    for error in validator.iter_errors(body):
        found.append(Problem(placeholders.pointer(tuple(error.absolute_path)), error.message))
    return found
