"""Tests for pgtheory.pg_as_pi.cartpole (gymnasium's CartPole-v1, REINFORCE with a linear
softmax)."""

import re

import numpy as np
import pytest

pytest.importorskip("gymnasium")

from pgtheory import cartpole


def full(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return f"^{re.escape(message)}$"


#: Training seeds of the test; the S1 chapter uses seed 1 (its only seed).
TEST_SEEDS = (11, 12, 13, 14, 15)


@pytest.mark.slow
def test_reinforce_with_reward_to_go_reaches_475_on_at_least_4_of_5_seeds():
    results = {}
    for seed in TEST_SEEDS:
        run = cartpole.train(np.random.default_rng(seed))
        results[seed] = cartpole.mean_return(run.params, np.random.default_rng(seed + 1000))
        print(
            f"seed {seed}: 100-episode mean {results[seed]:.1f} "
            f"({run.env_steps:,} steps, {run.seconds:.1f} s)"
        )
    assert sum(v >= cartpole.CARTPOLE_THRESHOLD for v in results.values()) >= 4, results


def test_train_is_reproducible_and_records_the_batch_means():
    a = cartpole.train(np.random.default_rng(3), n_iterations=3, n_episodes=4)
    b = cartpole.train(np.random.default_rng(3), n_iterations=3, n_episodes=4)
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_array_equal(a.mean_returns, b.mean_returns)
    assert a.params.shape == (5, 2) and a.mean_returns.shape == (3,)
    assert np.all((a.mean_returns >= 1) & (a.mean_returns <= 500))
    # env_steps counts the steps of unfinished episodes: the sum of the episode lengths
    assert a.env_steps == pytest.approx(4 * a.mean_returns.sum())
    assert a.seconds > 0
    full = cartpole.train(
        np.random.default_rng(3), n_iterations=3, n_episodes=4, estimator="full_return"
    )
    np.testing.assert_array_equal(full.mean_returns[0], a.mean_returns[0])  # same first batch
    assert not np.array_equal(full.params, a.params)


def test_policy_probabilities():
    params = np.zeros((5, 2))
    params[4] = [0.0, np.log(3.0)]  # bias only: pi = (1/4, 3/4) everywhere
    p = cartpole.policy_probabilities(params, np.ones((3, 4)))
    np.testing.assert_allclose(p, [[0.25, 0.75]] * 3, rtol=1e-14)
    params[2] = [0.0, 1.0]  # the pole angle feature
    obs = np.array([[0.0, 0.0, 2.0, 0.0]])
    np.testing.assert_allclose(
        cartpole.policy_probabilities(params, obs)[0, 1], 3 * np.e**2 / (1 + 3 * np.e**2)
    )


def test_evaluate_a_fixed_policy():
    # The uniform random policy keeps the pole up for about 22 steps on average.
    mean = cartpole.mean_return(np.zeros((5, 2)), np.random.default_rng(0), n_episodes=200)
    assert 15 < mean < 30


def test_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(
        ValueError,
        match=full(
            "estimator must be one of ('full_return', 'reward_to_go'), got 'value_baseline'"
        ),
    ):
        cartpole.train(rng, estimator="value_baseline")
    with pytest.raises(ValueError, match=full("learning_rate must be > 0, got 0.0")):
        cartpole.train(rng, learning_rate=0.0)
    with pytest.raises(ValueError, match=full("n_episodes must be an integer >= 1, got 0")):
        cartpole.train(rng, n_episodes=0)
    with pytest.raises(
        ValueError,
        match=full(
            "rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), got int"
        ),
    ):
        cartpole.train(0)
    with pytest.raises(ValueError, match=full("params must have shape (5, 2), got (4, 2)")):
        cartpole.mean_return(np.zeros((4, 2)), rng)
    with pytest.raises(ValueError, match=full("params[0, 1] is nan, expected a finite number")):
        cartpole.policy_probabilities(np.array([[0, np.nan]] + [[0, 0]] * 4), np.zeros((1, 4)))


def test_evaluate_is_the_former_name_of_mean_return():
    assert cartpole.evaluate is cartpole.mean_return
    assert "evaluate" not in cartpole.__all__  # documented once, as mean_return
