"""safeguarding-metrics: children's social care performance indicators from case records.

The public API::

    import safeguarding_metrics as sm

    dataset = sm.load_dataset("my-council/")            # validated canonical tables
    results = sm.calculate(dataset, start="2015-04-01", end="2015-12-31", every="month")
    results.frame                                       # one row per indicator and period
"""

from .calendar import Period, add_months, add_working_days, periods, wd, wd_inclusive
from .due import DueList, DueLists, due_lists
from .engine import Results, UsageError, calculate
from .hookspecs import hookimpl
from .indicator import (
    Indicator,
    Kind,
    NotComputable,
    Parameter,
    ParameterError,
    Periods,
    Polarity,
    Target,
    Unit,
)
from .model import DataError, Dataset, load_dataset
from .registry import PluginError, Registry, build_registry, default_registry

__version__ = "0.1.0.dev0"

__all__ = [
    "DataError",
    "Dataset",
    "DueList",
    "DueLists",
    "Indicator",
    "Kind",
    "NotComputable",
    "Parameter",
    "ParameterError",
    "Period",
    "Periods",
    "PluginError",
    "Polarity",
    "Registry",
    "Results",
    "Target",
    "Unit",
    "UsageError",
    "__version__",
    "add_months",
    "add_working_days",
    "build_registry",
    "calculate",
    "default_registry",
    "due_lists",
    "hookimpl",
    "load_dataset",
    "periods",
    "wd",
    "wd_inclusive",
]
