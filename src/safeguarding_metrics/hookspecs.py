"""Hook specifications: the contract between safeguarding-metrics and its plugins.

A plugin is a module (or object) whose functions are marked with :data:`hookimpl` and named
after the specifications below. It is installed as a distribution that declares an entry point
in the group ``safeguarding_metrics``::

    [project.entry-points.safeguarding_metrics]
    doncaster = "safeguarding_metrics_doncaster"

The entry point's name is the plugin's name, and every indicator id it registers starts with
that name and a dot (``doncaster.early_help_reviews``). The bundled plugins ``national`` and
``rotherham`` are registered exactly this way.

Hooks *register things*; they do no work. They are called once, when the registry is built, and
must be cheap, pure and free of side effects: no file, network or database access, no logging
of data. One exception: ``register_benchmarks`` may read data files shipped inside the plugin's
own package (never a council's data). An implementation may take fewer arguments than its
specification, so hooks can grow.
"""

from __future__ import annotations

from collections.abc import Iterable

import pluggy

from .benchmarks.comparator import Comparator
from .due.spec import DueList
from .indicator import Indicator, Target

__all__ = [
    "PROJECT",
    "hookimpl",
    "hookspec",
    "register_benchmarks",
    "register_due_lists",
    "register_indicators",
    "register_targets",
]

#: The project name: the pluggy marker and the entry-point group.
PROJECT = "safeguarding_metrics"

hookspec = pluggy.HookspecMarker(PROJECT)
#: Mark a plugin's implementation of a hook: ``@hookimpl def register_indicators(): ...``.
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_indicators() -> Iterable[Indicator]:  # type: ignore[empty-body]
    """Return the plugin's indicators.

    Called once per registry build, with no arguments. Return an iterable of
    :class:`~safeguarding_metrics.Indicator` objects (frozen values: the definition, metadata
    and a pure ``compute`` function). Every id must start with the plugin's name and a dot and
    be unique across all installed plugins: a clash names both plugins and stops calculation.

    Must not read data, open files or touch the network. An exception raised here marks the
    plugin as broken: ``safeguarding-metrics plugins`` shows the error, and ``calculate``
    refuses to run all indicators until the plugin is fixed, blocked or explicitly skipped.
    """


@hookspec
def register_targets() -> Iterable[Target]:  # type: ignore[empty-body]
    """Return default targets (and tolerances) for indicators, the plugin's own or others'.

    Called once per registry build. Return an iterable of :class:`~safeguarding_metrics.Target`.
    Precedence, first found wins: targets passed to ``calculate``, the council's targets file,
    ``register_targets`` (plugins in name order), the indicator's own ``target``. A target with
    ``valid_from``/``valid_to`` applies to periods ending within those dates.
    """


@hookspec
def register_due_lists() -> Iterable[DueList]:  # type: ignore[empty-body]
    """Return the plugin's due lists: for each deadline measure, its open cases as at a day.

    Called once per registry build, with no arguments. Return an iterable of
    :class:`~safeguarding_metrics.due.DueList` objects (frozen values: the due rule in words,
    the tables read, the indicator the list feeds, and a pure ``compute(tables, as_at,
    params)`` returning one row per open case with its due date). Every id must start with the
    plugin's name and a dot and be unique across all installed plugins: a clash names both
    plugins. A list's ``indicator`` is the id of the indicator whose deadline it follows; its
    parameters are that indicator's, and a case it shows as overdue must be one that indicator
    counts as not met as at the same day.

    Must not read data, open files or touch the network. An exception raised here marks the
    plugin as broken, exactly as for ``register_indicators``.
    """


@hookspec
def register_benchmarks() -> Iterable[Comparator]:  # type: ignore[empty-body]
    """Return the plugin's comparators: published (or a benchmarking club's) figures to set
    indicators beside.

    Called once per registry build, with no arguments. Return an iterable of
    :class:`~safeguarding_metrics.benchmarks.Comparator` objects: values per council code
    (DfE old code; ``E12...`` for a region, ``E92000001`` for England) and year (the DfE
    ``time_period``: 2015 is 2014-15), with a label, a source, a polarity and the decimal
    places they are published to. Every key must start with the plugin's name and a dot and
    be unique across all installed plugins: a clash names both plugins.

    May read data files shipped inside the plugin's own package, through
    :mod:`importlib.resources` (:meth:`Comparator.from_csv
    <safeguarding_metrics.benchmarks.Comparator.from_csv>` does): never a council's data, the
    network or a database. An exception raised here (a missing or malformed file) marks the
    plugin as broken, exactly as for ``register_indicators``.

    An indicator (of any plugin) links to a comparator by key through its ``benchmark``
    (:class:`~safeguarding_metrics.benchmarks.BenchmarkLink`), which says whether the two are
    like for like: the verdict belongs to the link, not to the comparator. When the registry
    is built, every indicator's benchmark key must name a comparator registered here or a DfE
    measure packaged with the library (:func:`safeguarding_metrics.benchmarks.measures`); an
    unknown key makes the indicator's plugin broken (``safeguarding-metrics plugins`` shows
    it).
    """
