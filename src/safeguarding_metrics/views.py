"""The tables an indicator is given, and what indicators of one dataset may share.

The engine hands each indicator's ``compute`` a :class:`TableViews`: a read-only mapping of
table name to the rows and columns the indicator declared (``Dataset.view``), exactly like a
``dict``. It also carries a cache per dataset of things derived from those tables that several
indicators, or several calls, would otherwise build again: the sorted care history of the
looked-after measures (:meth:`~safeguarding_metrics.looked_after.CareHistory.shared`) is the
one the bundled plugins use. A key names what is built and from which table; the columns the
indicator read from that table are added to it, so two indicators share a result only when
it was built from the same rows and columns of the same dataset. A plain ``dict`` of tables
(a test calling ``compute`` directly) has no cache and the thing is simply built.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

if TYPE_CHECKING:
    from .model.dataset import Dataset

__all__ = ["TableViews", "shared"]

_T = TypeVar("_T")

#: Per dataset: key -> what was built. Freed with the dataset.
_CACHE: weakref.WeakKeyDictionary[Dataset, dict[Hashable, Any]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


class TableViews(Mapping[str, pd.DataFrame]):
    """The tables handed to one indicator: a read-only mapping, with a per-dataset cache.

    Parameters
    ----------
    frames
        Table name to the view the indicator reads.
    dataset
        The dataset the views come from (the cache's owner); ``None`` for no cache.
    """

    __slots__ = ("_dataset", "_frames")

    def __init__(self, frames: Mapping[str, pd.DataFrame], dataset: Dataset | None = None):
        self._frames = dict(frames)
        self._dataset = dataset

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self._frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)

    def __repr__(self) -> str:
        return f"TableViews({', '.join(self._frames)})"

    def shared(self, key: Hashable, table: str, build: Callable[[], _T]) -> _T:
        """``build()``, computed once per dataset, ``key`` and the columns read from ``table``.

        ``build`` must depend only on ``self[table]`` (and on ``key``); what it returns is
        shared with every later caller, so it must not be modified.
        """
        if self._dataset is None:
            return build()
        full = (key, table, tuple(self._frames[table].columns), len(self._frames[table]))
        with _LOCK:
            store = _CACHE.setdefault(self._dataset, {})
            if full in store:
                return store[full]
        value = build()
        with _LOCK:
            return store.setdefault(full, value)


def shared(
    tables: Mapping[str, pd.DataFrame], key: Hashable, table: str, build: Callable[[], _T]
) -> _T:
    """:meth:`TableViews.shared` for any mapping of tables: a plain mapping just builds."""
    if isinstance(tables, TableViews):
        return tables.shared(key, table, build)
    return build()
