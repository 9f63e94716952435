"""What the official SDK tests share: a credential that hands out a fake token, and a v1.0 client pointed at
a running fake (and closed again, so no transport outlives its test)."""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AccessToken
from msgraph import GraphServiceClient

SCOPES = ["https://graph.microsoft.com/.default"]


class FakeCredential:
    def get_token(self, *_scopes: str, **_kwargs: Any) -> AccessToken:
        return AccessToken("fake-token", int(time.time()) + 3600)


def v1_client(base_url: str) -> GraphServiceClient:
    """msgraph-sdk's client, talking to the fake at `base_url` (its `/v1.0` URL)."""
    made = GraphServiceClient(credentials=FakeCredential(), scopes=SCOPES)
    made.request_adapter.base_url = base_url
    return made


async def close(client: Any) -> None:
    """Close a client's HTTP transport (and the one it wraps)."""
    http = client.request_adapter._http_client
    await http.aclose()
    inner = getattr(http._transport, "transport", None)
    if inner is not None:
        await inner.aclose()
