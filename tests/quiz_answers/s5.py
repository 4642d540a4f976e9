"""Chapter 5's numeric quiz answers, computed independently of the chapter's code."""

from fractions import Fraction
from math import sqrt


def expected() -> dict[str, float]:
    # "ordinary-spread": the chapter's four-outcome example (q uniform, f(x) = x, n = 10),
    # in exact rational arithmetic from the closed form
    # Var(1/n sum_i w_i f(x_i)) = (sum_x p(x)^2 f(x)^2 / q(x) - (sum_x p(x) f(x))^2) / n,
    # where the chapter uses pg.importance_weights on the outcomes.
    p = [Fraction(1, 20), Fraction(1, 20), Fraction(1, 10), Fraction(4, 5)]
    q = [Fraction(1, 4)] * 4
    f = [0, 1, 2, 3]
    n = 10
    second_moment = sum(pi**2 * fi**2 / qi for pi, qi, fi in zip(p, q, f, strict=True))
    mean = sum(pi * fi for pi, fi in zip(p, f, strict=True))
    return {"ordinary-spread": sqrt((second_moment - mean**2) / n)}
