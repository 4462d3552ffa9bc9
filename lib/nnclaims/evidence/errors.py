"""Errors a user can cause and fix: printed as one sentence, never as a traceback."""


class UserError(Exception):
    """Something a user can fix (a setting, a file, an experiment module); the message says what."""
