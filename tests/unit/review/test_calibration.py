import pytest
from sklearn.metrics import cohen_kappa_score

from transforms.review.calibration import agreement, cohen_kappa


def test_kappa_worked_example_by_hand():
    # 10 verdicts, AI vs reviewer: met/met 5, met/not_met 1, not_met/met 1, not_met/not_met 3.
    # p_o = 8/10 = 0.8; each side says met 6 times of 10:
    # p_e = 0.6*0.6 + 0.4*0.4 = 0.52; kappa = (0.8 - 0.52) / (1 - 0.52) = 0.28 / 0.48 = 7/12.
    pairs = (
        [("met", "met")] * 5
        + [("met", "not_met")]
        + [("not_met", "met")]
        + [("not_met", "not_met")] * 3
    )
    assert agreement(pairs) == pytest.approx(0.8)
    assert cohen_kappa(pairs) == pytest.approx(7 / 12)
    # the same figure as scikit-learn's implementation
    a, b = zip(*pairs, strict=True)
    assert cohen_kappa(pairs) == pytest.approx(cohen_kappa_score(a, b))


def test_kappa_edge_cases():
    assert cohen_kappa([]) is None and agreement([]) is None
    assert cohen_kappa([("met", "met")] * 4) is None  # p_e = 1: undefined
    assert cohen_kappa([("met", "not_met"), ("not_met", "met")]) == pytest.approx(-1.0)
    three = [("met", "met"), ("na", "na"), ("not_met", "met"), ("not_met", "not_met")]
    a, b = zip(*three, strict=True)
    assert cohen_kappa(three) == pytest.approx(cohen_kappa_score(a, b))
