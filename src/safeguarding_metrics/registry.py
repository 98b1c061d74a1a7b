"""The indicator registry: built once from the plugins, ordered by id, with provenance.

:func:`default_registry` builds the registry of the installed plugins (as the environment
switches allow) the first time it is asked for, and caches it. :func:`build_registry` builds one
from explicit plugins, for tests and notebooks.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs
import pluggy

from .benchmarks.comparator import Comparator
from .due.spec import DueList
from .indicator import Indicator, Target
from .plugins import (
    ENV_BLOCK,
    ENV_DISABLE_AUTOLOAD,
    ENV_PLUGINS,
    PluginInfo,
    PluginSettings,
    _error,
    isolated,
    load_plugins,
)

__all__ = [
    "PluginError",
    "Provenance",
    "Registry",
    "UnknownIndicatorError",
    "build_registry",
    "default_registry",
]


class PluginError(RuntimeError):
    """A plugin failed, or two plugins clash: numbers would be incomplete or ambiguous."""


class UnknownIndicatorError(KeyError):
    """No registered indicator has that id."""

    def __str__(self) -> str:
        return str(self.args[0])


@attrs.frozen(kw_only=True)
class Provenance:
    """Which plugin, distribution and version supplied an indicator."""

    plugin: str
    distribution: str | None
    version: str | None


@attrs.frozen(kw_only=True, eq=False)
class Registry:
    """Every registered indicator by id (sorted), where each came from, and plugin problems."""

    indicators: Mapping[str, Indicator]
    provenance: Mapping[str, Provenance]
    targets: tuple[Target, ...]
    plugins: tuple[PluginInfo, ...]
    problems: tuple[str, ...]
    #: Every registered due list by id (sorted), and which plugin supplied each.
    due_lists: Mapping[str, DueList] = attrs.field(factory=lambda: MappingProxyType({}))
    due_list_provenance: Mapping[str, Provenance] = attrs.field(
        factory=lambda: MappingProxyType({})
    )
    #: Every comparator plugins registered (``register_benchmarks``) by key, and which plugin
    #: supplied each; the DfE's packaged measures are not in it (they need no plugin).
    comparators: Mapping[str, Comparator] = attrs.field(factory=lambda: MappingProxyType({}))
    comparator_provenance: Mapping[str, Provenance] = attrs.field(
        factory=lambda: MappingProxyType({})
    )

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators.values())

    def __len__(self) -> int:
        return len(self.indicators)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self.indicators

    def get(self, indicator_id: str) -> Indicator:
        """The indicator with that id; an error suggesting close ids otherwise."""
        try:
            return self.indicators[indicator_id]
        except KeyError:
            close = difflib.get_close_matches(indicator_id, list(self.indicators), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise UnknownIndicatorError(
                f"no indicator {indicator_id!r} is registered.{hint} "
                "'safeguarding-metrics indicators' lists them."
            ) from None

    @property
    def broken(self) -> tuple[PluginInfo, ...]:
        return tuple(p for p in self.plugins if p.error is not None)

    def check(self) -> None:
        """Raise :class:`PluginError` describing every broken plugin and clash, if any."""
        if self.problems:
            raise PluginError(
                "; ".join(self.problems)
                + ". The results would be incomplete. Fix or uninstall the plugin, block it "
                f"with {ENV_BLOCK}=NAME, or choose to go on without it "
                "(--skip-broken-plugins, or allow_broken_plugins=True)."
            )


def _collect_registered(
    manager: pluggy.PluginManager,
    hook: str,
    kind: type[Any],
    noun: str,
    fail: Callable[[str, str], None],
) -> tuple[dict[str, Any], dict[str, str], dict[str, set[str]]]:
    """What every plugin registers through ``hook`` (indicators, due lists), each plugin on
    its own: a hook that raises or returns something other than ``kind`` marks its plugin
    broken, and so does an id outside the plugin's name; an id two plugins register is a clash
    naming both. Returns the objects by id, the owning plugin of each id, and the clashes."""
    by_id: dict[str, Any] = {}
    owner: dict[str, str] = {}
    clashes: dict[str, set[str]] = {}
    impls = sorted(getattr(manager.hook, hook).get_hookimpls(), key=lambda i: i.plugin_name)
    for impl in impls:
        name = impl.plugin_name
        try:
            raw: Any = impl.function()
            produced: list[Any] = list(raw or ())
        except BaseException as exc:  # isolate: the plugin is reported, the others go on
            if not isolated(exc):
                raise
            fail(name, f"{hook}() raised {_error(exc)}")
            continue
        bad = [x for x in produced if not isinstance(x, kind)]
        if bad:
            fail(name, f"{hook}() returned {type(bad[0]).__name__}, not {kind.__name__}")
            continue
        wrong = [x.id for x in produced if x.plugin != name]
        if wrong:
            fail(name, f"{noun} id {wrong[0]!r} does not start with the plugin's name '{name}.'")
            continue
        for item in produced:
            if item.id in by_id or item.id in clashes:
                clashes.setdefault(item.id, {owner.get(item.id, name)}).add(name)
                by_id.pop(item.id, None)
                continue
            by_id[item.id] = item
            owner[item.id] = name
    return by_id, owner, clashes


def _check_benchmark_keys(
    indicators: Mapping[str, Indicator],
    owner: Mapping[str, str],
    comparators: Mapping[str, Comparator],
    fail: Callable[[str, str], None],
) -> None:
    """Every indicator's benchmark key names a packaged DfE measure or a registered
    comparator; an unknown key (a typo) marks the indicator's plugin broken, naming the key
    and the closest known ones. Reads the packaged measures' metadata only, not their values."""
    linked = {i: ind.benchmark.key for i, ind in indicators.items() if ind.benchmark is not None}
    if not linked:
        return
    from .benchmarks.lookup import measure_keys

    known = set(measure_keys()) | set(comparators)
    for indicator_id, key in sorted(linked.items()):
        if key in known:
            continue
        close = difflib.get_close_matches(key, sorted(known), n=3)
        hint = f" (closest: {', '.join(close)})" if close else ""
        fail(
            owner[indicator_id],
            f"indicator {indicator_id!r} names benchmark {key!r}, which is neither a DfE "
            f"measure packaged here nor a comparator a plugin registers{hint}",
        )


def _collect(loaded_infos: tuple[PluginInfo, ...], manager: pluggy.PluginManager) -> Registry:
    infos = {i.name: i for i in loaded_infos}
    targets: list[Target] = []

    def fail(name: str, message: str) -> None:
        info = infos[name]
        infos[name] = attrs.evolve(info, error=info.error or message)

    by_id, owner, clashes = _collect_registered(
        manager, "register_indicators", Indicator, "indicator", fail
    )
    target_impls = sorted(
        manager.hook.register_targets.get_hookimpls(), key=lambda impl: impl.plugin_name
    )
    for impl in target_impls:
        try:
            raw_targets: Any = impl.function()
            produced_targets: list[Any] = list(raw_targets or ())
        except BaseException as exc:
            if not isolated(exc):
                raise
            fail(impl.plugin_name, f"register_targets() raised {_error(exc)}")
            continue
        if any(not isinstance(t, Target) for t in produced_targets):
            fail(impl.plugin_name, "register_targets() returned something other than Target")
            continue
        targets.extend(produced_targets)

    due_by_id, due_owner, due_clashes = _collect_registered(
        manager, "register_due_lists", DueList, "due list", fail
    )
    comparators, comparator_owner, comparator_clashes = _collect_registered(
        manager, "register_benchmarks", Comparator, "comparator", fail
    )
    _check_benchmark_keys(by_id, owner, comparators, fail)

    problems = [f"plugin {i.name!r} is broken ({i.error})" for i in infos.values() if i.error]
    for noun, found in (
        ("indicator", clashes),
        ("due list", due_clashes),
        ("comparator", comparator_clashes),
    ):
        for item_id, names in sorted(found.items()):
            problems.append(
                f"{noun} id {item_id!r} is registered by more than one plugin: "
                f"{' and '.join(sorted(names))}"
            )

    def provenance(owners: dict[str, str], ids: Any) -> MappingProxyType[str, Provenance]:
        return MappingProxyType(
            {
                i: Provenance(
                    plugin=owners[i],
                    distribution=infos[owners[i]].distribution,
                    version=infos[owners[i]].version,
                )
                for i in sorted(ids)
            }
        )

    return Registry(
        indicators=MappingProxyType(dict(sorted(by_id.items()))),
        provenance=provenance(owner, by_id),
        targets=tuple(targets),
        plugins=tuple(sorted(infos.values(), key=lambda i: i.name)),
        problems=tuple(problems),
        due_lists=MappingProxyType(dict(sorted(due_by_id.items()))),
        due_list_provenance=provenance(due_owner, due_by_id),
        comparators=MappingProxyType(dict(sorted(comparators.items()))),
        comparator_provenance=provenance(comparator_owner, comparators),
    )


def build_registry(
    plugins: Iterable[tuple[str, object]] = (),
    *,
    entry_points: bool = False,
    settings: PluginSettings | None = None,
) -> Registry:
    """Build a registry from explicit ``(name, plugin)`` pairs, and optionally entry points.

    >>> import safeguarding_metrics_national as national
    >>> registry = build_registry([("national", national)])
    """
    if settings is None:
        settings = PluginSettings.from_env() if entry_points else PluginSettings()
    loaded = load_plugins(settings=settings, extra=plugins, entry_points=entry_points)
    return _collect(loaded.infos, loaded.manager)


@functools.cache
def _cached(only: str | None, disable: str | None, block: str | None) -> Registry:
    env = {ENV_PLUGINS: only or "", ENV_DISABLE_AUTOLOAD: disable or "", ENV_BLOCK: block or ""}
    return build_registry(entry_points=True, settings=PluginSettings.from_env(env))


def default_registry() -> Registry:
    """The registry of the installed plugins, built once per set of environment switches."""
    return _cached(
        os.environ.get(ENV_PLUGINS), os.environ.get(ENV_DISABLE_AUTOLOAD), os.environ.get(ENV_BLOCK)
    )
