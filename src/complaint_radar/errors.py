"""One exception hierarchy: every error a user can see says what went wrong and how to fix it."""

from __future__ import annotations


class ComplaintRadarError(Exception):
    """Root of every error Complaint Radar raises on purpose."""

    exit_code = 1


class ConfigurationError(ComplaintRadarError):
    """A setting or data file is missing or malformed."""


class ModelError(ComplaintRadarError):
    """A bundled or user model cannot be loaded or trained."""


class InputError(ComplaintRadarError):
    """The user's input cannot be processed as given (exit code 2 on the CLI)."""

    exit_code = 2


class UnsupportedFormatError(InputError):
    """The input or output file format is not one we read or write."""


class MissingColumnError(InputError):
    """A column named on the command line is not in the input file."""


class DecodeError(InputError):
    """The input file cannot be decoded (wrong encoding or corrupt compression)."""


class CaseError(ComplaintRadarError):
    """A case-management rule (SPEC.md §6) forbids what was asked."""


class CaseTransitionError(CaseError):
    """The case cannot move to the requested state from its current state."""


class CasePermissionError(CaseError):
    """The acting role may not perform this case action."""


class CaseInputError(CaseError, InputError):
    """A case action was given invalid values (missing reason, CSAT out of range, naive time…)."""


class NotFoundError(InputError):
    """A record named by the caller (case, customer, API key, alert) does not exist."""


class ConflictError(ComplaintRadarError):
    """What was asked clashes with what exists (a name taken, a record still referenced)."""


class AccessError(ComplaintRadarError):
    """The caller may not do what was asked now: no or bad credentials, wrong role, too many requests."""


class AuthenticationError(AccessError):
    """No API key was given, or the key is unknown, revoked or expired."""


class PermissionDeniedError(AccessError):
    """The caller's role (or scope: own cases, own team) does not allow this action."""


class RateLimitError(AccessError):
    """Too many requests with one API key; `retry_after` says how many seconds to wait."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MissingExtraError(InputError):
    """An optional feature was asked for but its extra (or system package) is not installed."""


class BatchIncompleteError(ComplaintRadarError):
    """A batch job ended with partitions still failing after its retries; rerunning it resumes."""


def os_error_message(exc: OSError) -> str:
    """What the file system refused, on which file, and what to do about it (for an OSError)."""
    import errno

    where = exc.filename if exc.filename is not None else "a file"
    fixes = {
        errno.ENOENT: "check the path",
        errno.EACCES: "check its permissions, or run as a user who may use it",
        errno.EPERM: "check its permissions, or run as a user who may use it",
        errno.EISDIR: "give a file, not a directory",
        errno.ENOTDIR: "a part of the path is a file, not a directory",
        errno.ENOSPC: "free some disk space and run again (finished rows are kept)",
        errno.EROFS: "the file system is read-only; use a writable directory",
        errno.EDQUOT: "the disk quota is used up; free some space",
    }
    fix = fixes.get(exc.errno or 0, "check the path and the disk")
    return f"{exc.strerror or exc}: {where}; {fix}"
