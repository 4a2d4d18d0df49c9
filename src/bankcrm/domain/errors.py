"""Errors and warnings of bankcrm's own."""


class BankcrmError(Exception):
    """Base of the errors a user should see as a clear message, not a traceback."""


class BankcrmWarning(UserWarning):
    """Warnings of bankcrm's own (tests turn them into errors)."""
