"""The core every chapter builds on: tabular MDPs (:mod:`~pgtheory.core.mdp`), policies and
their distances (:mod:`~pgtheory.core.policies`), exact evaluation
(:mod:`~pgtheory.core.evaluation`), sampling (:mod:`~pgtheory.core.sampling`), many MDPs at
once (:mod:`~pgtheory.core.batched`) and input validation
(:mod:`~pgtheory.core.validation`). Numpy only; imports nothing else of pgtheory."""
