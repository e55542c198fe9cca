"""Secrets we must read back are kept encrypted at rest.

A form source's secret signs its requests with HMAC, so we need the secret itself, not a
hash of it. It is stored as a Fernet token (AES-128-CBC with an HMAC-SHA256, from the
maintained ``cryptography`` package) under ``FIELD_ENCRYPTION_KEY``: a copy of the database
alone does not give the secrets away.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt"]


@lru_cache(maxsize=2)
def _fernet(key: str) -> Fernet:
    return Fernet(key)


def encrypt(text: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The text; ``InvalidToken`` when it was encrypted under another key (or altered)."""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
