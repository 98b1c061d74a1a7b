"""Plugin discovery: entry points, isolation of a broken plugin, and the environment switches.

Environment variables (read when a registry is built):

``SAFEGUARDING_METRICS_PLUGINS``
    Comma-separated plugin names: load only these (bundled ones included).
``SAFEGUARDING_METRICS_DISABLE_PLUGIN_AUTOLOAD``
    Set to ``1``: load no installed plugin except those named in ``SAFEGUARDING_METRICS_PLUGINS``.
``SAFEGUARDING_METRICS_BLOCK_PLUGINS``
    Comma-separated plugin names never to load (they are listed as blocked).

Nothing is loaded at import time and there is no global plugin manager: each registry build
makes its own, so installed plugins never leak into tests that build their own registry.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from importlib import metadata
from typing import Any

import attrs
import pluggy

from . import hookspecs
from .hookspecs import PROJECT

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_BLOCK",
    "ENV_DISABLE_AUTOLOAD",
    "ENV_PLUGINS",
    "LoadedPlugins",
    "PluginInfo",
    "PluginSettings",
    "guard_stdout",
    "isolated",
    "load_plugins",
]

ENTRY_POINT_GROUP = PROJECT
ENV_PLUGINS = "SAFEGUARDING_METRICS_PLUGINS"
ENV_DISABLE_AUTOLOAD = "SAFEGUARDING_METRICS_DISABLE_PLUGIN_AUTOLOAD"
ENV_BLOCK = "SAFEGUARDING_METRICS_BLOCK_PLUGINS"


def _names(value: str | None) -> frozenset[str] | None:
    if value is None or not value.strip():
        return None
    return frozenset(n.strip() for n in value.split(",") if n.strip())


@attrs.frozen(kw_only=True)
class PluginSettings:
    """Which installed plugins to load (from the environment, or given directly)."""

    autoload: bool = True
    only: frozenset[str] | None = None
    block: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PluginSettings:
        env = os.environ if environ is None else environ
        disable = env.get(ENV_DISABLE_AUTOLOAD, "").strip().lower() in ("1", "true", "yes")
        return cls(
            autoload=not disable,
            only=_names(env.get(ENV_PLUGINS)),
            block=_names(env.get(ENV_BLOCK)) or frozenset(),
        )

    def wants(self, name: str) -> bool:
        if name in self.block:
            return False
        if self.only is not None:
            return name in self.only
        return self.autoload


@attrs.frozen(kw_only=True)
class PluginInfo:
    """One plugin as discovered: where it comes from, its hooks, and any load error."""

    name: str
    distribution: str | None
    version: str | None
    module: str | None
    hooks: tuple[str, ...] = ()
    error: str | None = None
    blocked: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.blocked

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen(kw_only=True, eq=False)
class LoadedPlugins:
    """A plugin manager with the plugins that loaded, and what was found about each."""

    manager: pluggy.PluginManager
    infos: tuple[PluginInfo, ...]


#: What a plugin's code may raise and still be isolated as a broken plugin: everything but
#: the user's Ctrl-C. ``SystemExit`` (a plugin calling ``sys.exit()``) is included, so that a
#: plugin cannot end the run, or make ``plugins`` print nothing and ``calculate`` exit 0.
def isolated(exc: BaseException) -> bool:
    """Whether ``exc``, raised by a plugin's code, is isolated (all but KeyboardInterrupt)."""
    return not isinstance(exc, KeyboardInterrupt)


def _error(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"SystemExit: it tried to end the program (sys.exit({exc.code!r}))"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextlib.contextmanager
def guard_stdout() -> Iterator[None]:
    """Send anything written to standard output to standard error while the block runs.

    The command line wraps plugin loading and computing in this, and writes its results
    (``--format json``, CSV) after it: a plugin that prints on import or in ``compute`` then
    cannot corrupt them. Python's ``sys.stdout`` is swapped for ``sys.stderr``; where standard
    output is a real file descriptor, descriptor 1 is pointed at descriptor 2 as well, so
    output of subprocesses and of C code that flushes within the block goes there too.
    Everything is restored on leaving, even after an exception.
    """
    saved = sys.stdout
    with contextlib.suppress(Exception):
        saved.flush()
    fd_saved: int | None = None
    try:
        fd = saved.fileno()
        sys.stderr.flush()
        fd_saved = os.dup(fd)
        os.dup2(sys.stderr.fileno(), fd)
    except (AttributeError, OSError, ValueError):  # no descriptor (captured, a StringIO)
        fd_saved = None
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        sys.stdout = saved
        if fd_saved is not None:
            os.dup2(fd_saved, saved.fileno())
            os.close(fd_saved)


def _hooks(manager: pluggy.PluginManager, plugin: object) -> tuple[str, ...]:
    callers = manager.get_hookcallers(plugin) or []
    return tuple(sorted(c.name for c in callers))


def load_plugins(
    *,
    settings: PluginSettings | None = None,
    extra: Iterable[tuple[str, object]] = (),
    entry_points: bool = True,
) -> LoadedPlugins:
    """Discover and register plugins, isolating any that fail.

    Parameters
    ----------
    settings
        Which installed plugins to load; defaults to :meth:`PluginSettings.from_env`.
    extra
        ``(name, plugin)`` pairs registered directly (tests, notebooks), after the entry points.
    entry_points
        Whether to look at installed entry points at all.
    """
    settings = PluginSettings.from_env() if settings is None else settings
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(hookspecs)
    infos: list[PluginInfo] = []

    found = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    for ep in found if entry_points else []:
        dist = getattr(ep, "dist", None)
        base: dict[str, Any] = dict(
            name=ep.name,
            distribution=dist.name if dist is not None else None,
            version=dist.version if dist is not None else None,
            module=ep.value,
        )
        if not settings.wants(ep.name):
            infos.append(PluginInfo(**base, blocked=True))
            continue
        first = next((i for i in infos if i.name == ep.name), None)
        if first is not None:
            infos.append(
                PluginInfo(
                    **base,
                    error=f"its name clashes: distributions {first.distribution} and "
                    f"{base['distribution']} both declare a plugin {ep.name!r}; only the "
                    f"first ({first.distribution}) was loaded",
                )
            )
            continue
        try:
            plugin = ep.load()
            manager.register(plugin, name=ep.name)
        except BaseException as exc:  # a broken plugin is isolated and reported
            if not isolated(exc):
                raise
            infos.append(PluginInfo(**base, error=f"cannot be loaded: {_error(exc)}"))
            continue
        infos.append(PluginInfo(**base, hooks=_hooks(manager, plugin)))

    for name, plugin in extra:
        if name in settings.block:
            infos.append(
                PluginInfo(name=name, distribution=None, version=None, module=None, blocked=True)
            )
            continue
        try:
            manager.register(plugin, name=name)
        except BaseException as exc:
            if not isolated(exc):
                raise
            infos.append(
                PluginInfo(
                    name=name,
                    distribution=None,
                    version=None,
                    module=getattr(plugin, "__name__", None),
                    error=f"cannot be registered: {_error(exc)}",
                )
            )
            continue
        infos.append(
            PluginInfo(
                name=name,
                distribution=None,
                version=None,
                module=getattr(plugin, "__name__", type(plugin).__name__),
                hooks=_hooks(manager, plugin),
            )
        )

    # A misspelt hook name is an error of that plugin, not of the whole tool.
    checked: list[PluginInfo] = []
    for info in infos:
        plugin = manager.get_plugin(info.name) if info.ok else None
        if plugin is not None:
            unknown = [
                name
                for name in dir(plugin)
                if manager.parse_hookimpl_opts(plugin, name) is not None
                and not getattr(manager.hook, name).has_spec()
            ]
            if unknown:
                manager.unregister(plugin)
                info = attrs.evolve(
                    info, error=f"implements unknown hook(s): {', '.join(sorted(unknown))}"
                )
        checked.append(info)
    manager.check_pending()
    return LoadedPlugins(manager=manager, infos=tuple(sorted(checked, key=lambda i: i.name)))
