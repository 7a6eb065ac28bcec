"""Thread settings for sharing two cores between the encoder and numpy."""

from __future__ import annotations

from threadpoolctl import threadpool_limits


def keep_blas_single_threaded() -> None:
    """numpy's BLAS threads busy-wait after each matrix product and starve the encoder's own
    threads: measured here, a query encode went from 7 ms to 16 ms next to a 10 000-row index.
    Index products are memory-bound, so one BLAS thread loses little. Torch's OpenMP pool is
    left alone."""
    threadpool_limits(limits=1, user_api="blas")
