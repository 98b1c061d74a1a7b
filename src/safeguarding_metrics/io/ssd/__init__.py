"""The Standard Safeguarding Dataset (SSD): read from the council's database, or written to one.

::

    from safeguarding_metrics.io.ssd import import_ssd, read_ssd

    result = import_ssd("mssql+pyodbc://reader@dsn", schema="ssd")   # an ImportResult
    print(result.summary())              # read / used / merged / set aside per table
    dataset = result.dataset()           # a validated Dataset
    dataset = read_ssd(env="SSD_URL")    # the same in one call, the URL from a variable

The SSD is the DfE-funded standard case-level model a council builds inside its own database
(``ssd_*`` tables); :mod:`.mapping` turns its tables into the canonical ones, :mod:`.database`
reads them through SQLAlchemy in chunks, :mod:`.writer` writes a canonical dataset as SSD
tables. ``docs/ssd.md`` gives the mapping field by field and every choice where the two
models differ.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable

import sqlalchemy as sa

from ...model.dataset import Dataset
from .. import ImportResult
from ..combine import combine, raise_first_error
from .codes import DEFAULT_ALLOCATED_ROLES
from .database import SsdConnectionError, connect, masked, read_ssd_tables, resolve_url
from .mapping import ssd_extract
from .schema import SSD_TABLES, SSD_VERSION
from .writer import SsdWritten, ssd_frames, write_ssd

__all__ = [
    "DEFAULT_ALLOCATED_ROLES",
    "SSD_TABLES",
    "SSD_VERSION",
    "SsdConnectionError",
    "SsdWritten",
    "import_ssd",
    "read_ssd",
    "resolve_url",
    "ssd_frames",
    "write_ssd",
]


def import_ssd(
    url: str | sa.engine.URL | sa.engine.Engine | None = None,
    *,
    env: str | None = None,
    file: str | os.PathLike[str] | None = None,
    schema: str | None = None,
    since: dt.date | str | None = None,
    allocated_roles: Iterable[str] = DEFAULT_ALLOCATED_ROLES,
    la: str | None = None,
    progress: bool = True,
    strict: bool = False,
) -> ImportResult:
    """Read the SSD tables of a database into the canonical tables, with every finding.

    Parameters
    ----------
    url, env, file
        The database: a SQLAlchemy URL or engine, the name of an environment variable holding
        the URL, or a file whose first line is the URL (one of the three).
    schema
        The schema holding the ``ssd_*`` tables (default: the connection's own).
    since
        Read only the records open on or dated after this day (the whole history by
        default). Shortens every look-back: a re-referral within 12 months of a referral
        before ``since``, a period of care started before it, a plan's earlier reviews are
        not seen; use a day at least as far back as the longest look-back of the figures.
    allocated_roles
        The ``invo_professional_role_id`` values that make an involvement an allocation.
    la
        An authority code to record in ``la`` on every row.
    progress
        Progress bars on standard error.
    strict
        Raise :class:`~safeguarding_metrics.DataError` at the first error found.

    Raises
    ------
    SsdConnectionError
        The database cannot be reached or a table read (one line, password masked).
    ValueError
        The URL given none or several ways, or not a URL.
    """
    if isinstance(url, sa.engine.Engine):
        engine = url
    else:
        parsed = (
            resolve_url(url if url is None else str(url), env=env, file=file)
            if (not isinstance(url, sa.engine.URL))
            else url
        )
        engine = connect(parsed)
    day = dt.date.fromisoformat(since) if isinstance(since, str) else since
    try:
        read = read_ssd_tables(engine, schema=schema, since=day, progress=progress)
    finally:
        if not isinstance(url, sa.engine.Engine):
            engine.dispose()
    if not read.tables:
        raise SsdConnectionError(
            masked(engine.url),
            f"no ssd_* table found{f' in schema {schema}' if schema else ''}: is this the "
            "SSD's database and schema?",
        )
    extract = ssd_extract(
        read.tables, labels=read.labels, missing=read.missing, allocated_roles=allocated_roles
    )
    if la is not None:
        for parts in extract.frames.values():
            for frame in parts:
                frame["la"] = la
    for name, columns in read.missing_columns.items():
        extract.note(read.labels[name], f"columns absent from the table: {', '.join(columns)}")
    if day is not None:
        extract.notes.append(
            f"only records open on or dated after {day.isoformat()} were read: look-backs "
            "before that day are short"
        )
    combined = combine([extract])
    if strict:
        raise_first_error(combined.quality)
    return ImportResult(
        frames=combined.frames,
        quality=combined.quality,
        counts=combined.counts,
        notes=combined.notes,
    )


def read_ssd(
    url: str | sa.engine.URL | sa.engine.Engine | None = None,
    *,
    env: str | None = None,
    file: str | os.PathLike[str] | None = None,
    schema: str | None = None,
    since: dt.date | str | None = None,
    allocated_roles: Iterable[str] = DEFAULT_ALLOCATED_ROLES,
    progress: bool = True,
    strict: bool = False,
) -> Dataset:
    """A validated :class:`~safeguarding_metrics.Dataset` straight from the SSD database
    (:func:`import_ssd`, then :meth:`ImportResult.dataset`; the import's findings are in
    ``import_ssd(...).quality``)."""
    result = import_ssd(
        url,
        env=env,
        file=file,
        schema=schema,
        since=since,
        allocated_roles=allocated_roles,
        progress=progress,
        strict=strict,
    )
    return Dataset.from_frames(dict(result.frames), strict=strict, source="SSD database")
