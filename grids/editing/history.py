"""The editor's history (GridEditEvent): one short line per edit, undo, refusal, submit.
An event keeps a digest of the edit, never its lists of households or vertices."""

from __future__ import annotations

from grids.editing.ops import describe
from grids.models import GridEditEvent

DIGEST_TEXT = 20  # characters of a string kept in the digest of an edit
SUMMARY_CHARS = 500  # GridEditEvent.summary holds 500 characters


def digest(op: dict) -> dict:
    """A few scalars naming an edit: the length of each list, strings cut short."""
    out = {}
    for key, value in op.items():
        if isinstance(value, list):
            out[key] = len(value)
        elif isinstance(value, str):
            out[key] = value[:DIGEST_TEXT]
        elif value is None or isinstance(value, (int, float, bool)):
            out[key] = value
    return out


def record(village_id, user, action, summary, *, draft=None, detail=None, version=None):
    return GridEditEvent.objects.create(
        village_id=village_id,
        user=user if getattr(user, "pk", None) else None,
        action=action,
        summary=summary[:SUMMARY_CHARS],
        detail=detail or {},
        draft=draft,
        version=version,
    )


def record_edit(draft, user, action, op: dict, ctx=None, **detail):
    """An edit, undo, redo or refusal of ``op`` in ``draft``'s village."""
    return record(
        draft.village_id,
        user,
        action,
        describe(op, ctx),
        draft=draft,
        detail={**digest(op), **detail},
    )
