"""Identity (ARCHITECTURE A24): an offline Entra. Signing keys, JWTs, app registrations, the token
endpoint's flows, Entra's OAuth errors and the permission check of an operation's documented table. Pure:
no aiohttp; http/entra serves it and http/handlers checks tokens with it."""
