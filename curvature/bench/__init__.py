"""Cost benchmarks of the curvature estimators and the optimizer, with peer libraries.

:func:`run_suite` measures, in one run, the cost of a gradient, an HVP, a Hutchinson probe,
the exact diagonal and the dense Hessian against the number of parameters n, the HVP paths
against a gradient, an optimizer step against ``torch.optim``, and the peers that compute the
same quantities; :func:`write_record` writes the record. ``curvature bench`` runs both.
:func:`choose_hvp_mode` picks the fastest HVP mode for a given loss.
"""

from curvature.bench.config import PROFILES, BenchConfig, profile_config
from curvature.bench.exponents import ExponentFit, fit_exponent, geometric_sizes
from curvature.bench.hvp_paths import choose_hvp_mode, compare_hvp_paths
from curvature.bench.memory import peak_memory
from curvature.bench.problems import BenchProblem, make_problem
from curvature.bench.record import write_record
from curvature.bench.suite import BenchReport, run_suite
from curvature.bench.timing import Timing, time_interleaved

__all__ = [
    "PROFILES",
    "BenchConfig",
    "BenchProblem",
    "BenchReport",
    "ExponentFit",
    "Timing",
    "choose_hvp_mode",
    "compare_hvp_paths",
    "fit_exponent",
    "geometric_sizes",
    "make_problem",
    "peak_memory",
    "profile_config",
    "run_suite",
    "time_interleaved",
    "write_record",
]
