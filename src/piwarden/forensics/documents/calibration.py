"""Calibrated decisions: what a verification score means as a false-match probability.

The score is :func:`.verify.agreement` (the share of personal tiles a query reproduces). For a check
of a document that was never stored, the best score among the candidates it was verified against
is modelled above its median as a normal tail, fitted to the upper half of the scores of
never-stored documents of the same templates (``scenarios/documents`` development seeds 1-5 and the
experiment seeds 11-14, 513 checks, quantiles 0.50-0.99: ``benchmarks/documents_scenarios.py
--calibrate`` prints the fit). So a score ``s`` maps to

    P(a never-stored document's check scores >= s) = 1 - Phi((s - MU) / SD)

and the decision threshold is the score where that reaches the target false-match rate (0.709 for
0.1%). 513 checks cannot show a rate below about 1/500, so the threshold never goes below ``FLOOR``
(the highest never-stored score seen, 0.68, a bank card, plus a margin).
"""

from __future__ import annotations

from statistics import NormalDist

MU, SD = 0.159, 0.178     # the normal tail of a never-stored document's best score
FLOOR = 0.73
TARGET = 1e-3             # default target false-match rate per check (issue 21: <= 0.1%)
_N = NormalDist()


def false_match_p(score: float) -> float:
    """Estimated probability that a never-stored document of the same template scores ``score`` or more."""
    return 1.0 - _N.cdf((score - MU) / SD)


def threshold(target: float = TARGET) -> float:
    """The score a match needs so that its false-match probability is at most ``target`` (never below FLOOR)."""
    if not 0.0 < target < 1.0:
        raise ValueError("the target false-match rate must be between 0 and 1")
    return max(FLOOR, MU + SD * _N.inv_cdf(1.0 - target))
