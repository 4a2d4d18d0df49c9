"""Settings of the security layer: sessions, lockout, passwords, limits and retention.

Hooked into ``bankcrm.config.Settings`` as ``security``: ``[security]`` in ``bankcrm.toml`` or
``BANKCRM_SECURITY__<NAME>`` in the environment. The defaults follow common practice for
internal banking systems; every one is documented in docs/security.md."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bankcrm.domain.actor import Role


class SecuritySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    token_minutes: int = Field(15, ge=1, le=24 * 60)  # API bearer tokens: short-lived
    session_idle_minutes: int = Field(30, ge=1, le=24 * 60)  # web session: idle timeout
    session_max_hours: int = Field(10, ge=1, le=72)  # web session: absolute limit
    lockout_failures: int = Field(5, ge=1, le=100)  # failures within the window lock the login
    lockout_window_minutes: int = Field(15, ge=1, le=24 * 60)
    lockout_minutes: int = Field(15, ge=1, le=7 * 24 * 60)
    password_min_length: int = Field(10, ge=8, le=128)
    login_attempts_per_minute: int = Field(20, ge=1, le=10_000)  # per client address
    max_request_bytes: int = Field(1_048_576, ge=1024)  # larger bodies answer 413
    max_upload_bytes: int = Field(200 * 1_048_576, ge=1024)  # a zipped extract on the admin screen
    totp_required_for: tuple[Role, ...] = ()  # roles that must enrol a second factor
    cookie_secure: bool = True  # only over HTTPS (turn off for plain-HTTP local development)
    contact_note_retention_days: int = Field(5 * 365, ge=30)  # notes older are erased
