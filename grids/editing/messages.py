"""Messages of the editor: English msgids (translated with gettext), constants tests import.

Each names the grid (or household, village) and the rule it breaks. ``when`` is the one
way the editor shows a time (version list, history, conflicts, compare).
"""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_noop

TIME_FORMAT = "Y-m-d H:i"  # minutes: versions and edits are made by hand, minutes apart


def when(moment) -> str:
    """``moment`` in the configured zone (settings.TIME_ZONE), as every editor time is shown."""
    return date_format(timezone.localtime(moment), TIME_FORMAT) if moment else "—"


ERR_UNKNOWN_GRID = gettext_noop("Grid %(grid)s is not a grid of village %(village)s.")
ERR_CROSSES_VILLAGE = gettext_noop(
    "Household %(household)s is not in village %(village)s: grid %(grid)s may not cross "
    "the village boundary."
)
ERR_UNKNOWN_HOUSEHOLD = gettext_noop(
    "Household #%(household)s is not a household of village %(village)s."
)
HOUSEHOLD_LABEL = gettext_noop("%(number)s (head of household %(head)s)")
ERR_LOCKED = gettext_noop("Grid %(grid)s is locked: unlock it before changing it.")
ERR_DISCONNECTED = gettext_noop(
    "Grid %(grid)s would fall apart into separate pieces: a grid must stay connected."
)
ERR_NO_SELECTION = gettext_noop("Select households first.")
ERR_ALREADY_THERE = gettext_noop("The selected households are already in grid %(grid)s.")
ERR_UNKNOWN_AREA = gettext_noop("Grid %(grid)s has no member area %(area)s.")
ERR_SPLIT_K = gettext_noop(
    "Grid %(grid)s has %(n)d households: it cannot be split into %(k)d grids."
)
ERR_SPLIT_LINE = gettext_noop(
    "The line does not cut grid %(grid)s in two: draw it across the grid, from edge to edge, "
    "with households on both sides."
)
ERR_MERGE_ONE = gettext_noop("Choose two or more grids to merge.")
ERR_MERGE_NOT_ADJACENT = gettext_noop(
    "Grids %(a)s and %(b)s do not touch: only adjacent grids of the same village can be merged."
)
ERR_REDRAW_EMPTY = gettext_noop(
    "The new boundary of grid %(grid)s contains none of the village's households."
)
ERR_REDRAW_SHAPE = gettext_noop("The new boundary of grid %(grid)s is not a valid polygon.")
ERR_UNKNOWN_PERSON = gettext_noop("Person %(person)s is not a resident of village %(village)s.")
ERR_UNKNOWN_OP = gettext_noop("Unknown edit %(op)s.")
ERR_UNKNOWN_VERSION = gettext_noop("Village %(village)s has no version %(version)s.")
ERR_OVERLAP = gettext_noop("Grids %(a)s and %(b)s overlap by %(m2).0f m²: grids may not overlap.")
ERR_GAP = gettext_noop(
    "%(m2).0f m² of village %(village)s lie in no grid: grids must leave no gap."
)
ERR_EMPTY_GRID = gettext_noop("Grid %(grid)s has no households.")
ERR_UNASSIGNED = gettext_noop("%(n)d households of village %(village)s are in no grid.")
ERR_NO_VERSION = gettext_noop(
    "Village %(village)s has no grids yet: run the automatic partition first."
)
ERR_STALE_DRAFT = gettext_noop(
    "Your draft was changed in another window (revision %(theirs)d, this page has "
    "%(yours)d): reload the page."
)
ERR_DRAFT_GONE = gettext_noop(
    "Your draft was submitted or discarded in another window: reload the page."
)
ERR_NEW_VERSION = gettext_noop(
    "Village %(village)s has a new version (%(now)s) since this page was loaded (version "
    "%(yours)s): reload the page."
)
ERR_DATA_CHANGED = gettext_noop(
    "The households of village %(village)s changed after your draft started (%(added)d "
    "added, %(removed)d removed): update your draft to the current data, check it and "
    "submit again."
)
ERR_GROUPS_CHANGED = gettext_noop(
    "The village groups or household locations of village %(village)s changed after your "
    "draft started: update your draft to the current data, check it and submit again."
)
ERR_BODY_JSON = gettext_noop("The request body is not valid JSON (at character %(pos)d).")
ERR_BODY_OBJECT = gettext_noop("The request body must be a JSON object, not %(type)s.")
ERR_BODY_TOO_LARGE = gettext_noop(
    "The request body has %(size)d bytes, more than the %(limit)d the editor accepts."
)
ERR_INVALID = gettext_noop("Invalid request: %(fields)s")
ERR_UNKNOWN_ACTION = gettext_noop("Unknown action %(action)s.")
ERR_USE_POST = gettext_noop("Use POST.")
ERR_USE_GET = gettext_noop("Use GET.")
ERR_NOTHING = gettext_noop("The draft has no changes to submit.")
ERR_CONFLICT = gettext_noop(
    "Village %(village)s was changed by %(user)s at %(when)s (version %(now)s, %(source)s) "
    "after your draft started from version %(base)s: %(changes)s. Your draft is kept: "
    "update it to the current version, check it and submit again."
)
CONFLICT_CHANGES = gettext_noop("grids %(grids)s changed, %(moved)d households moved")
CONFLICT_POSTS = gettext_noop("leaders, members or locks changed")

WARN_UNDER = gettext_noop("Grid %(grid)s has %(n)d households, under the band %(lo)d–%(hi)d.")
WARN_OVER = gettext_noop("Grid %(grid)s has %(n)d households, over the band %(lo)d–%(hi)d.")
WARN_REMOVED = gettext_noop("Grid %(grid)s has no households left and is removed.")
WARN_UNITS = gettext_noop(
    "%(n)d households at the same address as selected ones were moved with them."
)
WARN_NEW_HOUSEHOLDS = gettext_noop(
    "%(n)d households not yet in a grid were put in the nearest grid."
)
WARN_GONE = gettext_noop("%(n)d households no longer in the village were left out.")
WARN_DROPPED = gettext_noop("Could not reapply “%(op)s”: %(reason)s")
WARN_LOCKED_SKIPPED = gettext_noop("%(n)d households in locked grids were left where they are.")

OP_MOVE = gettext_noop("move %(n)d households to %(target)s")
OP_SPLIT = gettext_noop("split grid %(grid)s into %(k)d")
OP_SPLIT_LINE = gettext_noop("split grid %(grid)s along a line")
OP_MERGE = gettext_noop("merge grids %(grids)s")
OP_REDRAW = gettext_noop("redraw grid %(grid)s")
OP_LOCK = gettext_noop("lock grid %(grid)s")
OP_UNLOCK = gettext_noop("unlock grid %(grid)s")
OP_LEADER = gettext_noop("appoint %(person)s leader of grid %(grid)s")
OP_NO_LEADER = gettext_noop("remove the leader of grid %(grid)s")
OP_MEMBER = gettext_noop("appoint %(person)s member of area %(area)s")
OP_NO_MEMBER = gettext_noop("remove the member of area %(area)s")
OP_RESTORE = gettext_noop("restore version %(version)s")
