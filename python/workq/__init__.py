"""workq: edit distances and the lesson's pi on the workq engine.

    >>> import workq
    >>> workq.distance("kitten", "sitting")
    3
    >>> list(workq.distances(["attctg", "ccat"], ["accagt", "agcattacg"], workers=2))
    [4, 6]

The functions compute with the GIL released on a pool of engine threads, and
Ctrl-C cancels them. ``workq.Pool`` keeps one engine pool for many calls and
offers ``map_async`` with a callback, like ``multiprocessing.Pool``, and
``imap_distances``, which yields ``(index, distance)`` as results complete.
Sequences are ``str`` (ASCII) or ``bytes``; results are ``array.array``
columns (``numpy.asarray`` views them without a copy).
"""
from workq._workq import (Alignment, AsyncResult, DistanceIterator, Pool, __version__, align,
                          all_pairs, cdist, clusters, distance, distances, pi)

__all__ = ["Alignment", "AsyncResult", "DistanceIterator", "Pool", "__version__", "align",
           "all_pairs", "cdist", "clusters", "distance", "distances", "pi"]
