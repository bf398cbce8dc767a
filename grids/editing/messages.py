"""Messages of the editor: English msgids (translated with gettext), constants tests import.

Each names the grid (or household, village) and the rule it breaks.
"""

from django.utils.translation import gettext_noop as N_

ERR_UNKNOWN_GRID = N_("Grid %(grid)s is not a grid of village %(village)s.")
ERR_CROSSES_VILLAGE = N_(
    "Household %(household)s is not in village %(village)s: grid %(grid)s may not cross "
    "the village boundary.")
ERR_LOCKED = N_("Grid %(grid)s is locked: unlock it before changing it.")
ERR_DISCONNECTED = N_(
    "Grid %(grid)s would fall apart into separate pieces: a grid must stay connected.")
ERR_NO_SELECTION = N_("Select households first.")
ERR_ALREADY_THERE = N_("The selected households are already in grid %(grid)s.")
ERR_UNKNOWN_AREA = N_("Grid %(grid)s has no member area %(area)s.")
ERR_SPLIT_K = N_("Grid %(grid)s has %(n)d households: it cannot be split into %(k)d grids.")
ERR_SPLIT_LINE = N_(
    "The line does not cut grid %(grid)s in two: draw it across the grid, from edge to edge, "
    "with households on both sides.")
ERR_MERGE_ONE = N_("Choose two or more grids to merge.")
ERR_MERGE_NOT_ADJACENT = N_(
    "Grids %(a)s and %(b)s do not touch: only adjacent grids of the same village can be merged.")
ERR_REDRAW_EMPTY = N_("The new boundary of grid %(grid)s contains none of the village's households.")
ERR_REDRAW_SHAPE = N_("The new boundary of grid %(grid)s is not a valid polygon.")
ERR_UNKNOWN_PERSON = N_("Person %(person)s is not a resident of village %(village)s.")
ERR_UNKNOWN_OP = N_("Unknown edit %(op)s.")
ERR_UNKNOWN_VERSION = N_("Village %(village)s has no version %(version)s.")
ERR_OVERLAP = N_("Grids %(a)s and %(b)s overlap by %(m2).0f m²: grids may not overlap.")
ERR_GAP = N_("%(m2).0f m² of village %(village)s lie in no grid: grids must leave no gap.")
ERR_EMPTY_GRID = N_("Grid %(grid)s has no households.")
ERR_UNASSIGNED = N_("%(n)d households of village %(village)s are in no grid.")
ERR_NO_VERSION = N_("Village %(village)s has no grids yet: run the automatic partition first.")
ERR_STALE_DRAFT = N_(
    "Your draft was changed in another window (revision %(theirs)d, this page has "
    "%(yours)d): reload the page.")
ERR_NOT_OPEN = N_("This draft was already %(status)s.")
ERR_NOTHING = N_("The draft has no changes to submit.")
ERR_CONFLICT = N_(
    "Village %(village)s was changed by %(user)s at %(when)s (version %(now)s, %(source)s) "
    "after your draft started from version %(base)s: %(changes)s. Your draft is kept: "
    "update it to the current version, check it and submit again.")
CONFLICT_CHANGES = N_("grids %(grids)s changed, %(moved)d households moved")
CONFLICT_POSTS = N_("leaders, members or locks changed")

WARN_UNDER = N_("Grid %(grid)s has %(n)d households, under the band %(lo)d–%(hi)d.")
WARN_OVER = N_("Grid %(grid)s has %(n)d households, over the band %(lo)d–%(hi)d.")
WARN_REMOVED = N_("Grid %(grid)s has no households left and is removed.")
WARN_UNITS = N_("%(n)d households at the same address as selected ones were moved with them.")
WARN_NEW_HOUSEHOLDS = N_("%(n)d households not yet in a grid were put in the nearest grid.")
WARN_DROPPED = N_("Could not reapply “%(op)s”: %(reason)s")
WARN_LOCKED_SKIPPED = N_("%(n)d households in locked grids were left where they are.")

OP_MOVE = N_("move %(n)d households to %(target)s")
OP_SPLIT = N_("split grid %(grid)s into %(k)d")
OP_SPLIT_LINE = N_("split grid %(grid)s along a line")
OP_MERGE = N_("merge grids %(grids)s")
OP_REDRAW = N_("redraw grid %(grid)s")
OP_LOCK = N_("lock grid %(grid)s")
OP_UNLOCK = N_("unlock grid %(grid)s")
OP_LEADER = N_("appoint %(person)s leader of grid %(grid)s")
OP_NO_LEADER = N_("remove the leader of grid %(grid)s")
OP_MEMBER = N_("appoint %(person)s member of area %(area)s")
OP_NO_MEMBER = N_("remove the member of area %(area)s")
OP_RESTORE = N_("restore version %(version)s")
