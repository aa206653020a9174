"""Lumen's core: data, models, caching, metrics and interpretation, no UI."""
