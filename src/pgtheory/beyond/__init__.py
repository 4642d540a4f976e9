"""Beyond the slides: the tightest known guarantees (CPI, TRPO, CPO;
:mod:`~pgtheory.beyond.guarantees`), the natural gradient step
(:mod:`~pgtheory.beyond.natural_gradient`) and the algorithms run exactly
(:mod:`~pgtheory.beyond.algorithms`). Builds on the other packages."""
