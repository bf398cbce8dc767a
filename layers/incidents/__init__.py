"""Incidents (群众点单): residents report, grid people handle, tiers escalate.

``workflow`` is the pure state machine; models in ``models`` (imported by ``layers.models``),
writes in ``services``/``transitions``/``deadlines``, reads in ``selectors``/``maps``/``stats``.
"""
