"""Permission table cells as the compiler reads them (issue 16's enforcement reads what it keeps): every
permission a cell names, resource labels dropped, `A and B` (or `plus`) kept as one entry needing both."""

from __future__ import annotations

import pytest

from fakegraph.compiler.pages import _permission_names


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Reports.Read.All", ("Reports.Read.All",)),
        ("User.Read.All,User.ReadWrite.All", ("User.Read.All", "User.ReadWrite.All")),  # no space after ,
        (
            "User.Read or User.Read.All; Directory.Read.All.",
            ("User.Read", "User.Read.All", "Directory.Read.All"),
        ),
        (
            "For user resource: User.Read, User.Read.All  For group resource: Group.Read.All",
            ("User.Read", "User.Read.All", "Group.Read.All"),
        ),
        (
            "Policy.Read.All and Policy.ReadWrite.ConditionalAccess",
            ("Policy.Read.All and Policy.ReadWrite.ConditionalAccess",),
        ),
        (
            "EduRoster.ReadWrite.All plus Directory.Read.All",
            ("EduRoster.ReadWrite.All and Directory.Read.All",),
        ),
        ("Sites.Read.All (for lists), Sites.Read.All", ("Sites.Read.All",)),
    ],
)
def test_permission_cells(cell: str, names: tuple[str, ...]) -> None:
    assert _permission_names(cell) == names
