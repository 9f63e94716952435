"""The key fakegraph signs tokens with: RSA 2048, made when first needed (or read from a PEM file), published
as a JSON Web Key Set as Entra publishes its keys."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fakegraph.artifacts.errors import ConfigError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(number: int) -> str:
    return b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class SigningKey:
    private: RSAPrivateKey
    kid: str  # the key's id in token headers and the key set: the base64url SHA-1 of its public key

    @property
    def public(self) -> RSAPublicKey:
        return self.private.public_key()

    def jwk(self, issuer: str) -> dict[str, object]:
        """The public key as one entry of a key set (`kty`, `use`, `kid`, `x5t`, `n`, `e`, `issuer`)."""
        numbers = self.public.public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": _uint(numbers.n),
            "e": _uint(numbers.e),
            "issuer": issuer,
        }


def _of(private: RSAPrivateKey) -> SigningKey:
    from cryptography.hazmat.primitives import serialization

    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SigningKey(private, b64url(hashlib.sha1(der).digest()))


def make_key() -> SigningKey:
    """A new RSA 2048 key (about 0.1 s): one per server, so tokens of another run never validate."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return _of(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def load_key(path: Path) -> SigningKey:
    """An RSA private key from a PEM file (unencrypted), for tokens that stay valid across runs."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"signing key {path}: cannot read an unencrypted PEM private key ({exc})") from exc
    if not isinstance(loaded, rsa.RSAPrivateKey) or loaded.key_size < 2048:
        raise ConfigError(f"signing key {path}: must be an RSA key of 2048 bits or more")
    return _of(loaded)
