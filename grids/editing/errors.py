"""What the editor refuses, as exception types: each type carries its HTTP status and a
``kind`` the page acts on, so no caller ever matches message text.

``str()`` of any of them is the message in the active language (a msgid of
``grids.editing.messages`` with its parameters, translated when shown).
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class EditError(ValueError):
    """An edit that breaks a rule; nothing changed (400)."""

    status = 400
    kind = "refused"

    def __init__(self, msgid: str, **params):
        super().__init__(msgid)
        self.msgid, self.params = msgid, params

    def __str__(self) -> str:
        return _(self.msgid) % self.params if self.params else _(self.msgid)


class InvalidRequest(EditError):
    """A request body or parameter that does not match its schema (400); ``bad`` maps
    each bad field (dotted path) to its messages."""

    kind = "invalid"

    def __init__(self, msgid: str, *, bad: dict | None = None, **params):
        super().__init__(msgid, **params)
        self.bad = bad or {}


class NotFound(EditError):
    """A version the village does not have, or a village with no grids yet (404)."""

    status = 404
    kind = "not_found"


class StaleDraft(EditError):
    """The page's draft is not the stored one (another window edited, submitted or discarded
    it): the page reloads the draft (409)."""

    status = 409
    kind = "stale"


class DraftOutdated(EditError):
    """The village's households or groups changed after the draft started: its edits must be
    replayed on the current data (``draft_rebase``) before anything else (409)."""

    status = 409
    kind = "outdated"


class SubmitConflict(EditError):
    """Another version of the village was made after the draft started; the draft is kept
    and can be updated (409)."""

    status = 409
    kind = "conflict"
