"""Metrics: classification, regression, multi-label, tasks, thresholds, facets,
agreement between two models. The scoring metrics are one registry
(``registry.METRICS``, ``build``, ``compatible``)."""
