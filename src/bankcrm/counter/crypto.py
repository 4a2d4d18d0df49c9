"""The cache payload sealed with AES-GCM: a fresh nonce per write and the key name as associated
data, so a value copied under another key fails to open. Key names hash the customer id with a
key derived from the same secret, so neither names nor values show who is at the counter."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


class PayloadCipher:
    """Seal and open cache payloads (JSON objects) under one AES-256 key."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        # A separate key for naming, so the naming hash never reuses the encryption key.
        self._name_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"bankcrm counter key names"
        ).derive(key)

    def name(self, kind: str, value: str) -> str:
        """A stable pseudonym of ``value`` for key names (hex, 32 characters)."""
        digest = hmac.new(self._name_key, f"{kind}:{value}".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def seal(self, key_name: str, payload: dict[str, Any]) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        data = json.dumps(payload, separators=(",", ":")).encode()
        return nonce + self._aead.encrypt(nonce, data, key_name.encode())

    def open(self, key_name: str, sealed: bytes) -> dict[str, Any] | None:
        """The payload, or None when it does not open (tampered, moved or another key)."""
        try:
            data = self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], key_name.encode())
        except (InvalidTag, ValueError):
            return None
        payload: dict[str, Any] = json.loads(data)
        return payload
