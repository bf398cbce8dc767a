"""One search box for every map page: households, residents, grids, villages and groups of
the user's area (``selectors.search``), answered by ``views.search`` as JSON."""
