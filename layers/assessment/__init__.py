"""Yearly assessment of grid leaders and members: rule sets, indicators, scores, corrections."""
