"""Slides S7-S9: how far the state distribution and the objective move when the policy
moves by ``eps``.

The state-distribution bounds of slides S7-S8 (:mod:`~pgtheory.bounding.state_distribution`),
slide S7's example (:mod:`~pgtheory.bounding.distribution_shift`), the coupling lemma of
slide S8 (:mod:`~pgtheory.bounding.coupling`) and the objective bound of slide S9
(:mod:`~pgtheory.bounding.objective`). Builds on :mod:`pgtheory.core` and
:mod:`pgtheory.pg_as_pi`."""
