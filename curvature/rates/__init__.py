"""Rates of convergence measured from trajectories: grids of horizons and power-law fits."""

from curvature.rates.powerlaw import PowerLawFit, fit_power_law, geometric_grid, running_minimum

__all__ = ["PowerLawFit", "fit_power_law", "geometric_grid", "running_minimum"]
