"""Named tolerances shared by the tests (STYLE.md §10)."""

#: Relative tolerance of exact charge balance (float64 round-off over long trains).
CHARGE_BALANCE_RTOL = 1e-12
#: Relative tolerance for hand-computed closed-form dosimetry figures.
FORMULA_RTOL = 1e-9
