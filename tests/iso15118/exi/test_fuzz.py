"""Decoding truncated, bit-flipped and random input never crashes or hangs: it returns a document or raises
ExiDecodeError saying where. Hypothesis draws the seeds and mutation parameters; each example decodes a batch."""

from __future__ import annotations

import random
import signal
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.iso15118.exi.codec import SHORT_NAMES, encode, grammar
from harness.iso15118.exi.errors import ExiDecodeError
from harness.iso15118.exi.sampling import Sampler, message_roots

EXAMPLES = 1000
INPUTS_PER_EXAMPLE = 100
WATCHDOG_S = 600  # a hang fails the test instead of stalling CI


def _seeds() -> list[tuple[str, bytes]]:
    seeds = []
    for namespace in sorted(set(SHORT_NAMES) - {"xmldsig"}):
        codec = grammar(namespace)
        sampler = Sampler(codec, random.Random(namespace), fill=0.6)
        for root in message_roots(codec):
            seeds.append((namespace, encode(namespace, sampler.document(root))))
    return seeds


SEEDS = _seeds()


def _mutate(rng: random.Random, data: bytes) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:  # truncated
        return data[: rng.randrange(len(data))]
    if choice == 1:  # a few bits flipped
        mutable = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            bit = rng.randrange(len(mutable) * 8)
            mutable[bit // 8] ^= 0x80 >> (bit % 8)
        return bytes(mutable)
    if choice == 2:  # random body behind a valid header
        return b"\x80" + rng.randbytes(rng.randrange(64))
    if choice == 3:  # random bytes
        return rng.randbytes(rng.randrange(48))
    mutable = bytearray(data)  # a run of bytes overwritten
    start = rng.randrange(len(mutable))
    for i in range(start, min(len(mutable), start + rng.randint(1, 6))):
        mutable[i] = rng.randrange(256)
    return bytes(mutable)


@contextmanager
def _watchdog(seconds: int) -> Iterator[None]:
    def expire(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"decoding did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_decoder_survives_100000_mutated_inputs() -> None:
    decoded: list[int] = [0, 0]  # [inputs, valid documents among them]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(seed=st.integers(min_value=0, max_value=2**32 - 1), which=st.integers(min_value=0, max_value=len(SEEDS) - 1))
    def batch(seed: int, which: int) -> None:
        rng = random.Random(seed)
        namespace, data = SEEDS[which]
        codec = grammar(namespace)
        for _ in range(INPUTS_PER_EXAMPLE):
            candidate = _mutate(rng, data)
            try:
                result = codec.decode(candidate)
            except ExiDecodeError as error:
                assert "bit" in str(error)
            else:
                assert isinstance(result, dict) and len(result) == 1
                decoded[1] += 1
            decoded[0] += 1

    with _watchdog(WATCHDOG_S):
        batch()
    assert decoded[0] >= 100_000
