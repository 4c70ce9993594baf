"""The CPU work of a count-primes job. Runs in a worker process: keep this module import-light
(every pool process imports it)."""

from math import isqrt


def count_primes(limit: int) -> tuple[int, int]:
    """(how many primes are <= limit, the largest of them), for limit >= 2.

    Sieve of Eratosthenes on a bytearray: one byte per number (50 MB at the contract's largest
    limit), and the inner loop is a slice assignment that runs in C.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    sieve = bytearray([1]) * (limit + 1)
    sieve[0] = sieve[1] = 0
    for n in range(2, isqrt(limit) + 1):
        if sieve[n]:
            start = n * n
            sieve[start::n] = bytes(len(range(start, limit + 1, n)))
    return sieve.count(1), sieve.rindex(1)
