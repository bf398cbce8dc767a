"""The editor API's input schemas (DRF serializers, one per action) and body parsing.

Every body is a JSON object checked against its action's serializer before anything
else runs: a malformed body, a missing or ill-typed field, an over-long list is an
InvalidRequest (400) naming the field, and the services never see it. Types are
strict (JSON numbers for numbers, strings for codes): ``"3"`` is not a revision.
Lists are measured before their items are read, so a huge list is refused at once.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from grids.editing import messages as M
from grids.editing.errors import InvalidRequest

# A redraw of MAX_VERTICES vertices at full float precision is ~45 bytes a vertex
# (225 kB) and a move of MAX_HOUSEHOLDS ids ~80 kB: four times the larger of the two.
MAX_BODY_BYTES = 1_000_000
MAX_HOUSEHOLDS = 10_000  # a lasso takes at most a village: 200 grids of 50 households
MAX_VERTICES = 5_000  # a hand-drawn line or boundary has tens to hundreds of clicks
MAX_GRIDS = 200  # grids one merge may name: every grid of such a village
MAX_SPLIT_K = 9  # the page's "split into" field stops at 9 (grids/editor.html)
MAX_NOTE = 300  # GridVersion.note keeps 300 characters (services.version_create)
MAX_ID = 2**63 - 1  # ids are BigAutoField (settings.DEFAULT_AUTO_FIELD)
TOKEN = r"^[A-Za-z0-9_-]{8,64}$"  # GridDraft.submit_token holds 64 characters
JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
JSON_TYPES[type(None)] = "null"
SHOWN_FIELDS = 5  # bad fields named in the message (all are in the answer's "fields")


class StrictInteger(serializers.IntegerField):
    """A JSON integer (not a string, float or boolean)."""

    def to_internal_value(self, data):
        if type(data) is not int:
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBoolean(serializers.BooleanField):
    def to_internal_value(self, data):
        if type(data) is not bool:
            self.fail("invalid", input=data)
        return data


class StrictText(serializers.CharField):
    """A JSON string (a number is not a grid code)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class BoundedList(serializers.ListField):
    """A list whose length is checked before its items."""

    def to_internal_value(self, data):
        if isinstance(data, list) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class Coordinates(serializers.ListField):
    """[[longitude, latitude], ...] in degrees: the length first, then every pair in one
    plain loop (a field per pair costs ~20 µs each: 0.1 s for MAX_VERTICES)."""

    default_error_messages = {
        "pair": gettext_lazy("Expected [longitude, latitude]: two numbers in degrees.")
    }

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        if self.min_length is not None and len(data) < self.min_length:
            self.fail("min_length", min_length=self.min_length)
        out = []
        for i, pair in enumerate(data):
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and type(pair[0]) in (int, float)
                and type(pair[1]) in (int, float)
                and -180 <= pair[0] <= 180  # NaN fails every comparison
                and -90 <= pair[1] <= 90
            ):
                raise serializers.ValidationError({i: [self.error_messages["pair"]]})
            out.append([float(pair[0]), float(pair[1])])
        return out


class MemberAreaChoice(serializers.Field):
    """Where moved households go in the target grid: null (the nearest member area),
    "new" or a member area number."""

    default_error_messages = {
        "invalid": gettext_lazy('Expected a member area number, "new" or null.')
    }

    def to_internal_value(self, data):
        if data in ("new", ""):
            return data or None
        if type(data) is not int or data < 1:
            self.fail("invalid")
        return data


def _grid(**kw):
    return StrictText(max_length=32, **kw)


def _person():
    return StrictInteger(min_value=1, max_value=MAX_ID, allow_null=True)


class MoveOp(serializers.Serializer):
    households = BoundedList(
        child=StrictInteger(min_value=1, max_value=MAX_ID), min_length=1, max_length=MAX_HOUSEHOLDS
    )
    grid = _grid()
    area = MemberAreaChoice(required=False, allow_null=True, default=None)


class SplitOp(serializers.Serializer):
    grid = _grid()
    k = StrictInteger(min_value=2, max_value=MAX_SPLIT_K, required=False, default=2)
    line = Coordinates(min_length=2, max_length=MAX_VERTICES, required=False, allow_null=True)


class MergeOp(serializers.Serializer):
    grids = BoundedList(child=_grid(), min_length=1, max_length=MAX_GRIDS)


class RedrawOp(serializers.Serializer):
    grid = _grid()
    polygon = Coordinates(min_length=4, max_length=MAX_VERTICES)


class LockOp(serializers.Serializer):
    grid = _grid()
    locked = StrictBoolean(required=False, default=True)


class LeaderOp(serializers.Serializer):
    grid = _grid()
    person = _person()


class MemberOp(serializers.Serializer):
    grid = _grid()
    area = StrictInteger(min_value=1, max_value=MAX_ID)
    person = _person()


class RestoreOp(serializers.Serializer):
    version = StrictInteger(min_value=1, max_value=MAX_ID)


OPS = {
    "move": MoveOp,
    "split": SplitOp,
    "merge": MergeOp,
    "redraw": RedrawOp,
    "lock": LockOp,
    "leader": LeaderOp,
    "member": MemberOp,
    "restore": RestoreOp,
}


class Edit(serializers.Field):
    """One edit: an object whose ``type`` picks its schema."""

    default_error_messages = {
        "not_object": gettext_lazy("Expected an object with a type."),
        "type": gettext_lazy("Unknown edit type; expected one of: %(types)s."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("not_object")
        schema = OPS.get(data.get("type")) if isinstance(data.get("type"), str) else None
        if schema is None:
            raise serializers.ValidationError(
                {"type": [self.error_messages["type"] % {"types": ", ".join(OPS)}]}
            )
        s = schema(data=data)
        if not s.is_valid():
            raise serializers.ValidationError(s.errors)
        return {"type": data["type"], **s.validated_data}


class RevisionInput(serializers.Serializer):
    """Every write names the draft revision the page saw (0: no draft yet)."""

    revision = StrictInteger(min_value=0, max_value=MAX_ID)


class OpInput(RevisionInput):
    """One edit; ``base`` is the version the page shows (the first edit starts a draft
    from it, refused if the village has a newer one)."""

    base = StrictInteger(min_value=1, max_value=MAX_ID)
    op = Edit()


class UndoInput(RevisionInput):
    """Undo the draft's last edit."""


class RedoInput(RevisionInput):
    """Redo the last undone edit."""


class RebaseInput(RevisionInput):
    """Replay the draft on the village's current version and data."""


class DiscardInput(RevisionInput):
    """Discard the draft."""


class SubmitInput(RevisionInput):
    """Submit the draft as a new version; ``token`` makes a retried submit answer as the
    first one did."""

    note = StrictText(max_length=MAX_NOTE, allow_blank=True, required=False, default="")
    token = serializers.RegexField(TOKEN, required=False, default="")


class CompareInput(serializers.Serializer):
    """Query of the version compare (a query string: the number is text)."""

    version = serializers.IntegerField(min_value=1, max_value=MAX_ID)


def _flatten(errors, prefix="") -> dict[str, list[str]]:
    if isinstance(errors, dict):
        out = {}
        for key, value in errors.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        return {prefix or "body": [str(e) for e in errors]}
    out = {}
    for i, value in enumerate(errors):
        out.update(_flatten(value, f"{prefix}.{i}" if prefix else str(i)))
    return out


def validated(schema: type[serializers.Serializer], data) -> dict:
    """``data`` checked against ``schema``; InvalidRequest naming every bad field."""
    s = schema(data=data)
    if s.is_valid():
        return s.validated_data
    bad = _flatten(s.errors)
    text = "; ".join(f"{k}: {' '.join(v)}" for k, v in list(bad.items())[:SHOWN_FIELDS])
    raise InvalidRequest(M.ERR_INVALID, bad=bad, fields=text)


def request_data(request) -> dict:
    """The request body as a JSON object, refused (400) if too large, malformed or not an
    object. The size is checked before the body is read."""
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    if size > MAX_BODY_BYTES:
        raise InvalidRequest(M.ERR_BODY_TOO_LARGE, size=size, limit=MAX_BODY_BYTES)
    raw = request.body
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidRequest(M.ERR_BODY_TOO_LARGE, size=len(raw), limit=MAX_BODY_BYTES)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(M.ERR_BODY_JSON, pos=exc.pos + 1) from None
    except UnicodeDecodeError as exc:
        raise InvalidRequest(M.ERR_BODY_JSON, pos=exc.start + 1) from None
    if not isinstance(data, dict):
        raise InvalidRequest(M.ERR_BODY_OBJECT, type=JSON_TYPES.get(type(data), "?"))
    return data
