"""One way for an identifier to fail: a ``ValidationError`` subclass saying what was wrong.

Mirrors python-stdnum's exception family so that callers of either learn one API. Messages
never contain the value itself: a validation error can end up in a log.
"""


class ValidationError(ValueError):
    """The value is not a valid identifier of this kind."""

    message = "invalid value"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class InvalidLength(ValidationError):
    message = "the value has an invalid length"


class InvalidFormat(ValidationError):
    message = "the value has an invalid format"


class InvalidChecksum(ValidationError):
    message = "the value's checksum or check digit is invalid"


class InvalidComponent(ValidationError):
    message = "one of the value's parts (date, region, prefix) is invalid"
