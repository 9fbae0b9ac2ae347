"""Captions of the report's plots: what each kind shows and how to read it."""

RATES = (
    "Q(T) of each seed (grey points) and their geometric mean (blue line), on log-log axes. "
    "Orange: the slope fitted on the fit window and the band between its lower and upper "
    "confidence bounds, all pivoting at the window's last horizon. Red dashed: the claimed "
    "slope through the same point. Black dotted, on Theorem 1's quantity: the proven bound "
    "(f(theta_0) - f*) / sum_{t<T} eta_t (1 - L eta_t / 2), the largest over seeds, drawn only "
    "where its assumptions were verified on the runs. Each panel's title gives the rate "
    "engine's verdict on that quantity; the row's verdict can differ, where the descent-lemma "
    "certificate decides it."
)

LEARNING_RATE = (
    "eta_t along the run (blue). Green bars: [eta_min, eta_max] from the exact spectrum of "
    "H(theta_t), computed at checkpoints only. Red crosses: steps where 1 + lambda tr(H_t) <= 0 "
    "made the formula undefined, at the rate the policy chose."
)

ESTIMATOR = (
    "The error of the Hutchinson estimate from the first m probes (points) against m, and the "
    "standard deviation that the exact variance gives (line, slope -1/2). The points of one "
    "panel come from one sequence of probes, so they are correlated. Red dotted: the Bernstein "
    "radius that each error must stay below for the verdict, at its false-alarm share."
)

LOSS_CURVE = (
    "Top: the mean loss over seeds and the fitted L0 exp(-alpha t) + L_inf. Bottom: the "
    "residual, mean minus model, relative to the mean loss, against the band max(5 % of the "
    "loss, noise between seeds) on the same scale; crosses mark steps outside the band."
)

COSTS = (
    "Minimum seconds per call of each workload against the number of parameters n, log-log, "
    "from the benchmark record. The legend gives the fitted exponent p of cost ~ n^p with its "
    "95 % interval (the asymptotic fit where the record has one)."
)
