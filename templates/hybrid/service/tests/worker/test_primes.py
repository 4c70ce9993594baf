from math import isqrt

import pytest

from app.worker.primes import count_primes


def is_prime(n: int) -> bool:
    return n >= 2 and all(n % d for d in range(2, isqrt(n) + 1))


@pytest.mark.parametrize("limit", [2, 3, 4, 10, 97, 100, 1000, 7919])
def test_matches_trial_division(limit: int) -> None:
    primes = [n for n in range(2, limit + 1) if is_prime(n)]
    assert count_primes(limit) == (len(primes), primes[-1])


def test_known_value_for_a_million() -> None:
    # pi(10^6) = 78498; the largest prime below a million is 999983.
    assert count_primes(1_000_000) == (78498, 999983)


def test_limit_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        count_primes(1)
