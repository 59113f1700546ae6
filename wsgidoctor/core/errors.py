"""Errors of wsgidoctor itself. Problems in the user's installation are findings, never these."""

from __future__ import annotations


class WsgidoctorError(Exception):
    """wsgidoctor could not do what was asked; the message says why, for a person."""


class InputError(WsgidoctorError):
    """An input file or argument cannot be used (missing, unreadable, not recognised)."""
