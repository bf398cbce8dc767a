"""Administrative division codes (GB/T 2260 and the statistical division code).

county 6 digits -> township 9 -> administrative village 12 -> village group 14
(the land-contract registration convention: village code + 2 digits).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

TOWNSHIP_CODE_LEN = 9
VILLAGE_CODE_LEN = 12
GROUP_CODE_LEN = 14

ERR_CODE_FORMAT = _("%(field)s must be %(length)d digits, got %(value)r")
ERR_CODE_PREFIX = _("%(field)s %(value)s does not start with its parent's code %(parent)s")


def code_error(field: str, value: str, length: int, parent: str | None = None) -> str | None:
    """Return a message if `value` is not a `length`-digit code under `parent`, else None."""
    if not re.fullmatch(rf"\d{{{length}}}", value or ""):
        return str(ERR_CODE_FORMAT % {"field": field, "length": length, "value": value})
    if parent and not value.startswith(parent):
        return str(ERR_CODE_PREFIX % {"field": field, "value": value, "parent": parent})
    return None


def validate_code(value: str, *, field: str, length: int, parent: str | None = None) -> None:
    message = code_error(field, value, length, parent)
    if message:
        raise ValidationError(message, code="code")
