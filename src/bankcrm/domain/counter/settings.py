"""Configuration of the counter cache: timeouts, key namespace, payload key and policy table.

Hooked into ``bankcrm.config.Settings`` as ``counter: CounterSettings``, so it is set as
``[counter]`` in bankcrm.toml or ``BANKCRM_COUNTER__IDLE_TIMEOUT_SECONDS=120``."""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from bankcrm.domain.counter.errors import CounterError
from bankcrm.domain.counter.policy import DEFAULT_POLICY, PolicyRule, TxnType

# DEVELOPMENT ONLY: a fixed, published key so a bare machine runs the demo. Anyone can decrypt
# what it protects; key_bytes() refuses it when BANKCRM_ENV=production.
DEV_AES_KEY = base64.b64encode(b"bankcrm-dev-key-NOT-FOR-PRODUCTN").decode()
KEY_BYTES = 32  # AES-256


class CounterSettings(BaseModel):
    """The counter cache's settings; times in seconds."""

    model_config = ConfigDict(extra="forbid")

    idle_timeout_seconds: float = Field(default=300, gt=0)  # cleared 5 min after last use
    absolute_timeout_seconds: float = Field(default=1800, gt=0)  # and 30 min after creation
    key_namespace: str = Field(default="bankcrm:counter", min_length=1, pattern=r"^[\w:.-]+$")
    aes_key: SecretStr | None = None  # base64 of 32 bytes; None: the development key
    policy: dict[TxnType, PolicyRule] = Field(default_factory=lambda: dict(DEFAULT_POLICY))

    @field_validator("aes_key")
    @classmethod
    def _check_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _decode_key(value.get_secret_value())
        return value

    @field_validator("policy", mode="before")
    @classmethod
    def _merge_policy(cls, value: Any) -> Any:
        """Configuration names only what it changes: each rule given is laid over the default
        rule of its type (``[counter.policy.deposit] cache_allowed = false``)."""
        if not isinstance(value, dict):
            return value
        merged: dict[Any, Any] = {t.value: r.model_dump() for t, r in DEFAULT_POLICY.items()}
        for name, rule in value.items():
            key = name.value if isinstance(name, TxnType) else name
            given = rule.model_dump(exclude_unset=True) if isinstance(rule, PolicyRule) else rule
            base = merged.get(key, {})
            merged[key] = {**base, **given} if isinstance(given, dict) else given
        return merged

    @model_validator(mode="after")
    def _check_times(self) -> CounterSettings:
        if self.idle_timeout_seconds > self.absolute_timeout_seconds:
            raise ValueError("idle_timeout_seconds must not exceed absolute_timeout_seconds")
        return self

    def key_bytes(self) -> bytes:
        """The AES-256 key; the development key only outside production."""
        if self.aes_key is not None:
            return _decode_key(self.aes_key.get_secret_value())
        if os.environ.get("BANKCRM_ENV") == "production":
            raise CounterError(
                "counter.aes_key",
                "required in production (BANKCRM_COUNTER__AES_KEY, base64 of 32 random bytes)",
            )
        return base64.b64decode(DEV_AES_KEY)


def _decode_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError("aes_key: not base64") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"aes_key: {len(key)} bytes, expected {KEY_BYTES} (AES-256)")
    return key
