"""Errors of the cases app: one code per reason, a Russian message for the person."""

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    INVALID = "invalid"


class CaseError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
