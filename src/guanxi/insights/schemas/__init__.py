"""Ninja schemas of the insights API, one module per area."""
