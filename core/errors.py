"""The base of every error a domain raises to refuse an operation, with the HTTP status it maps to."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the user can act on: `status` is a 4xx (403 who, 404 what, 409 state, 422 input)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message, self.status = message, status
