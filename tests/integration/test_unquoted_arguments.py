"""A function argument written without its quotes: Graph's 400 about the argument, not an unknown segment."""

from __future__ import annotations

import pytest

from tests.integration.conftest import AUTH


async def _error(client, path):
    response = await client.get(path, headers=AUTH)
    assert response.status == 400, await response.text()
    return (await response.json())["error"]


@pytest.mark.parametrize("written", ["period=D7", "period = d30", "PERIOD=D1"])
async def test_an_unquoted_string_argument_is_not_in_scope(client, written):
    error = await _error(client, f"/beta/reports/getCredentialUsageSummary({written})")
    assert error["code"] == "BadRequest"
    assert error["message"] == f"The parameter '{written}' is not in scope."


async def test_the_quoted_argument_is_served(client):
    response = await client.get("/beta/reports/getCredentialUsageSummary(period='D7')", headers=AUTH)
    assert response.status == 200


async def test_paths_not_served_even_when_quoted_stay_unknown_segments(client):
    """Only a path the quotes would make served gets the argument message: v1.0 has no such function, and
    a word that is an OData literal (true, null) is no alias."""
    error = await _error(client, "/v1.0/reports/getCredentialUsageSummary(period=D7)")
    assert error["message"] == "Resource not found for the segment 'getCredentialUsageSummary'."
    error = await _error(client, "/beta/reports/getNothingAtAll(period=D7)")
    assert error["message"] == "Resource not found for the segment 'getNothingAtAll'."
    error = await _error(client, "/beta/reports/getCredentialUsageSummary(period=null)")
    assert error["message"] == "Resource not found for the segment 'getCredentialUsageSummary'."
