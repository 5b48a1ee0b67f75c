"""Call python-stdnum and re-raise its errors as ours (private: not an identifier itself).

Callers of piwarden see one exception family; a stdnum error becomes the piwarden
``ValidationError`` subclass of the same name, without the original message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from stdnum import exceptions as theirs

from piwarden.detect.ids import exceptions as ours

_EQUIVALENTS: tuple[tuple[type[Exception], type[ours.ValidationError]], ...] = (
    (theirs.InvalidLength, ours.InvalidLength),
    (theirs.InvalidFormat, ours.InvalidFormat),
    (theirs.InvalidChecksum, ours.InvalidChecksum),
    (theirs.InvalidComponent, ours.InvalidComponent),
)


@contextmanager
def stdnum_errors() -> Iterator[None]:
    """Translate any stdnum ``ValidationError`` raised in the block into ours."""
    try:
        yield
    except theirs.ValidationError as error:
        for their_class, our_class in _EQUIVALENTS:
            if isinstance(error, their_class):
                raise our_class() from None
        raise ours.ValidationError() from None
