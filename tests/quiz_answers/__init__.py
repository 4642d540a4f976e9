"""Independent values of the chapters' numeric quiz answers (tests/test_quizzes.py).

One module per chapter, named by its slide in lower case (``s3.py``), with ``expected()``:
``{question key: exact value}``, computed by another route than the chapter's own code
(enumerating trajectories with tests/brute_force.py, a closed form, linear algebra written
out), from the chapter's objects built the same way (same example MDP, same seeds).
"""
