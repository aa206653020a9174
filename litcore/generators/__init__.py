"""Counterfactual generators: one module each, registered by display name."""
