"""Errors of the deadlines app: one code per reason, a Russian message for the person."""

from enum import StrEnum


class ErrorCode(StrEnum):
    NO_CLOCK = "no_clock"
    NOT_ALLOWED = "not_allowed"
    ALREADY_EXTENDED = "already_extended"
    INVALID = "invalid"


class DeadlineError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
