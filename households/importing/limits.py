"""Every value checked against the column it goes to, from the model's own limits.

Lengths come from each field's max_length; numbers from its Min/MaxValueValidators and from
the range of its database column (connection.ops.integer_field_range), so that a file can
never hold a value the database refuses at load time, after a report said it was fine.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection
from django.utils.translation import gettext_lazy as _

ERR_TOO_LONG = _("%(length)d characters; at most %(max)d")
ERR_MIN_VALUE = _("must be at least %(min)d: %(value)s")
ERR_MAX_VALUE = _("must be at most %(max)d: %(value)s")


@dataclass(frozen=True)
class Limits:
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None


def field_limits(model, name: str) -> Limits:
    field = model._meta.get_field(name)
    low = high = None
    kind = field.get_internal_type()
    if kind.endswith("IntegerField"):
        low, high = connection.ops.integer_field_range(kind)
    for validator in field.validators:
        limit = validator.limit_value
        if isinstance(validator, MinValueValidator):
            low = limit if low is None else max(low, limit)
        elif isinstance(validator, MaxValueValidator):
            high = limit if high is None else min(high, limit)
    return Limits(field.max_length, low, high)


def check_lengths(frame: pd.DataFrame, columns: dict, flag) -> dict:
    """Flag cells longer than their field: `columns` maps a column to (model, field name);
    `flag(mask, column, message_for_row_index)` reports them. Returns each column's mask,
    so that a cell is not refused a second time for its format."""
    masks = {}
    for col, (model, name) in columns.items():
        if col not in frame.columns:
            continue
        limit = field_limits(model, name).max_length
        lengths = frame[col].str.len().to_numpy()
        masks[col] = lengths > limit
        flag(
            masks[col],
            col,
            lambda i, lengths=lengths, limit=limit: (
                ERR_TOO_LONG % {"length": lengths[i], "max": limit}
            ),
        )
    return masks


def check_range(values: np.ndarray, skip: np.ndarray, limits: Limits, text: pd.Series, flag, col):
    """Flag whole numbers outside [min_value, max_value] (`skip`: cells already refused)."""
    with np.errstate(invalid="ignore"):
        if limits.min_value is not None:
            low = ~skip & (values < limits.min_value)
            flag(
                low, col, lambda i: ERR_MIN_VALUE % {"min": limits.min_value, "value": text.iloc[i]}
            )
        if limits.max_value is not None:
            high = ~skip & (values > limits.max_value)
            flag(
                high,
                col,
                lambda i: ERR_MAX_VALUE % {"max": limits.max_value, "value": text.iloc[i]},
            )
