"""Calibration of the AI against people: agreement rate and Cohen's kappa.

kappa = (p_o - p_e) / (1 - p_e), with p_o the observed agreement and p_e the agreement expected by
chance from each rater's own label frequencies. 1 is perfect agreement, 0 what chance gives, below
0 worse than chance. Undefined (None) when p_e = 1 (both raters always give the same single label).
The dbt mart ``agg_calibration`` computes the same formula in SQL, per criterion and scorecard
version; this module is its reference and serves the notebooks and tests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def agreement(pairs: Iterable[tuple[str, str]]) -> float | None:
    pairs = list(pairs)
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else None


def cohen_kappa(pairs: Iterable[tuple[str, str]]) -> float | None:
    """Cohen's kappa of (rater A label, rater B label) pairs; None if undefined."""
    pairs = list(pairs)
    p_o = agreement(pairs)
    if p_o is None:
        return None
    n = len(pairs)
    a_counts = Counter(a for a, _ in pairs)
    b_counts = Counter(b for _, b in pairs)
    p_e = sum(a_counts[k] * b_counts[k] for k in a_counts.keys() | b_counts.keys()) / (n * n)
    if p_e >= 1.0:
        return None
    return (p_o - p_e) / (1.0 - p_e)
