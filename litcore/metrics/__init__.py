"""Metrics: classification, regression, multi-label, tasks, thresholds, facets,
agreement between two models."""
