"""Comparators from the DfE's published tables: England, region, statistical neighbours.

Every figure in a council's report sits beside England, its region and its statistical
neighbours. This package ships those comparators, derived by ``scripts/derive_benchmarks.py``
from the DfE's children in need, looked-after children and social work workforce tables, and
the children's social care measures of the DfE's Local Authority Interactive Tool (LAIT)
(Crown copyright, Open Government Licence v3.0; see :func:`attribution`). Plugins add
comparators of their own (:class:`Comparator`, hook ``register_benchmarks``), and an
indicator links to one through a :class:`BenchmarkLink` that says whether the two are like
for like.

>>> from safeguarding_metrics.benchmarks import benchmark
>>> b = benchmark("rereferrals_12m", "372", "2014-15")
>>> b.la.name, b.la_value, b.england, b.neighbours_n
('Rotherham', 21.8, 24.2, 10)

The data are read from the package on first use and cached; nothing is read at import time
and nothing goes to the network.
"""

from __future__ import annotations

from safeguarding_metrics.benchmarks import _data
from safeguarding_metrics.benchmarks.authorities import (
    NEIGHBOUR_MODELS,
    LocalAuthority,
    authorities,
    default_model,
    neighbour_codes,
    neighbours_of,
    resolve_la,
)
from safeguarding_metrics.benchmarks.comparator import (
    COMPARATOR_COLUMNS,
    BenchmarkLink,
    Comparator,
)
from safeguarding_metrics.benchmarks.lookup import (
    NEIGHBOUR_METHODS,
    TABLE_COLUMNS,
    Benchmark,
    Measure,
    benchmark,
    benchmark_table,
    get_measure,
    measure_keys,
    measures,
    parse_year,
    quartile_band,
)

__all__ = [
    "COMPARATOR_COLUMNS",
    "NEIGHBOUR_METHODS",
    "NEIGHBOUR_MODELS",
    "TABLE_COLUMNS",
    "Benchmark",
    "BenchmarkLink",
    "Comparator",
    "LocalAuthority",
    "Measure",
    "attribution",
    "authorities",
    "benchmark",
    "benchmark_table",
    "default_model",
    "get_measure",
    "measure_keys",
    "measures",
    "neighbour_codes",
    "neighbours_of",
    "parse_year",
    "quartile_band",
    "resolve_la",
]


def attribution() -> str:
    """The sources of the packaged data and their licence (``data/ATTRIBUTION.md``).

    Returns
    -------
    str
        Markdown naming each DfE table and the Open Government Licence v3.0.
    """
    return _data.attribution_text()
