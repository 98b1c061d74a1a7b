"""Plugins: discovery by entry point, isolation of broken ones, clashes, switches, provenance."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest

import safeguarding_metrics as sm
import safeguarding_metrics_national as national
from safeguarding_metrics.cli import main
from safeguarding_metrics.model import Referral
from safeguarding_metrics.registry import PluginError, UnknownIndicatorError

from .conftest import REFERRAL_COUNT_PLUGIN

DATA = sm.Dataset.from_records(
    [Referral(referral_id="R1", child_id="C1", referral_date=dt.date(2015, 4, 1))]
)


def test_bundled_plugin_is_registered_through_its_entry_point() -> None:
    registry = sm.default_registry()
    assert "national.rereferrals_12m" in registry
    prov = registry.provenance["national.rereferrals_12m"]
    assert (prov.plugin, prov.distribution) == ("national", "safeguarding-metrics")
    assert prov.version == sm.__version__
    info = next(p for p in registry.plugins if p.name == "national")
    assert (info.ok and info.hooks == ("register_indicators",)) or "register_targets" in info.hooks


def test_registry_is_built_once_and_cached() -> None:
    assert sm.default_registry() is sm.default_registry()


def test_installed_plugin_is_discovered_listed_and_computed(
    install_plugin: Callable[..., object], capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugin("doncaster", REFERRAL_COUNT_PLUGIN.format(name="doncaster"))
    registry = sm.default_registry()
    assert list(registry.indicators) == sorted(registry.indicators)
    prov = registry.provenance["doncaster.referral_count"]
    assert (prov.distribution, prov.version) == ("sm-test-doncaster", "1.2.3")
    result = sm.calculate(
        DATA, start="2015-04-01", end="2015-04-30", indicators=["doncaster.referral_count"]
    )
    assert result.frame["value"].tolist() == [1]
    assert main(["plugins", "--all"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert listed["doncaster"]["indicators"] == ["doncaster.referral_count"]
    assert listed["doncaster"]["distribution"] == "sm-test-doncaster"


def test_a_broken_plugin_is_isolated_reported_and_stops_a_full_run(
    install_plugin: Callable[..., object], capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugin("broken", "import module_that_does_not_exist\n")
    registry = sm.default_registry()
    info = next(p for p in registry.plugins if p.name == "broken")
    assert info.error is not None and "ModuleNotFoundError" in info.error
    assert "national.rereferrals_12m" in registry  # the others still load
    with pytest.raises(PluginError, match="'broken'"):
        sm.calculate(DATA, start="2015-04-01", end="2015-04-30")
    # asking for named indicators of healthy plugins is fine, with a warning
    ok = sm.calculate(
        DATA, start="2015-04-01", end="2015-04-30", indicators=["national.rereferrals_12m"]
    )
    assert any("broken" in w for w in ok.warnings)
    # choosing to go on without it
    skipped = sm.calculate(DATA, start="2015-04-01", end="2015-04-30", allow_broken_plugins=True)
    assert "national.rereferrals_12m" in set(skipped.frame["indicator"])
    # the diagnosis command still works and says what is wrong
    assert main(["plugins"]) == 1
    captured = capsys.readouterr()
    assert "BROKEN" in captured.out and "ModuleNotFoundError" in captured.out


def test_calculate_cli_refuses_then_goes_on_when_asked(
    install_plugin: Callable[..., object],
    tmp_path: object,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "data"
    folder.mkdir()
    (folder / "referrals.csv").write_text(
        "referral_id,child_id,referral_date\nR1,C1,2015-04-01\n", encoding="utf-8"
    )
    install_plugin("broken", "raise RuntimeError('boom')\n")
    args = ["calculate", str(folder), "--start", "2015-04-01", "--end", "2015-04-30", "-q"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "broken" in err and "Traceback" not in err
    assert main([*args, "--skip-broken-plugins", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["indicator"] for r in rows} >= {"national.rereferrals_12m"}


def test_hook_errors_and_misspelt_hooks_mark_the_plugin_broken(
    install_plugin: Callable[..., object],
) -> None:
    install_plugin(
        "raising",
        "from safeguarding_metrics import hookimpl\n"
        "@hookimpl\ndef register_indicators():\n    raise ValueError('bad metadata')\n",
    )
    install_plugin(
        "misspelt",
        "from safeguarding_metrics import hookimpl\n"
        "@hookimpl\ndef register_indicator():\n    return []\n",
    )
    install_plugin(
        "wrongtype",
        "from safeguarding_metrics import hookimpl\n"
        "@hookimpl\ndef register_indicators():\n    return ['not an indicator']\n",
    )
    errors = {p.name: p.error for p in sm.default_registry().plugins}
    assert errors["raising"] is not None and "bad metadata" in errors["raising"]
    assert errors["misspelt"] is not None and "register_indicator" in errors["misspelt"]
    assert errors["wrongtype"] is not None and "not Indicator" in errors["wrongtype"]
    assert errors["national"] is None


def test_plugin_name_clash_names_both_distributions(
    install_plugin: Callable[..., object],
) -> None:
    install_plugin("alpha", REFERRAL_COUNT_PLUGIN.format(name="alpha"))
    install_plugin(
        "alpha", REFERRAL_COUNT_PLUGIN.format(name="alpha"), module="other_alpha", dist="zz-alpha"
    )
    registry = sm.default_registry()
    assert any("sm-test-alpha" in p and "zz-alpha" in p for p in registry.problems), (
        registry.problems
    )
    with pytest.raises(PluginError, match="zz-alpha"):
        sm.calculate(DATA, start="2015-04-01", end="2015-04-30")


def _plugin_registering(*ids: str) -> object:
    import attrs

    from safeguarding_metrics_national.rereferrals import REREFERRALS_12M

    class Plugin:
        @sm.hookimpl
        def register_indicators(self) -> list[sm.Indicator]:
            return [attrs.evolve(REREFERRALS_12M, id=i) for i in ids]

    return Plugin()


def test_duplicate_ids_and_foreign_ids_are_errors() -> None:
    registry = sm.build_registry(
        [
            ("one", _plugin_registering("one.same", "one.same")),
            ("two", _plugin_registering("one.other")),
        ]
    )
    assert any("'one.same'" in p and "one" in p for p in registry.problems)
    assert "one.same" not in registry
    assert any("'two'" in p and "does not start with" in p for p in registry.problems)


def test_environment_switches(
    install_plugin: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    install_plugin("doncaster", REFERRAL_COUNT_PLUGIN.format(name="doncaster"))
    monkeypatch.setenv("SAFEGUARDING_METRICS_BLOCK_PLUGINS", "doncaster")
    registry = sm.default_registry()
    assert "doncaster.referral_count" not in registry
    assert next(p for p in registry.plugins if p.name == "doncaster").blocked
    monkeypatch.delenv("SAFEGUARDING_METRICS_BLOCK_PLUGINS")
    monkeypatch.setenv("SAFEGUARDING_METRICS_PLUGINS", "doncaster")
    assert list(sm.default_registry().indicators) == ["doncaster.referral_count"]
    monkeypatch.delenv("SAFEGUARDING_METRICS_PLUGINS")
    monkeypatch.setenv("SAFEGUARDING_METRICS_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert len(sm.default_registry()) == 0
    monkeypatch.setenv("SAFEGUARDING_METRICS_PLUGINS", "national")
    assert "national.rereferrals_12m" in sm.default_registry()


def test_a_plugin_runs_only_when_installed_or_named() -> None:
    registry = sm.build_registry()  # nothing named, no entry points
    assert len(registry) == 0
    named = sm.build_registry([("national", national)])
    assert "national.rereferrals_12m" in named


def test_unknown_indicator_suggests_close_ids() -> None:
    registry = sm.build_registry([("national", national)])
    with pytest.raises(UnknownIndicatorError, match="rereferrals_12m"):
        registry.get("national.rereferals_12m")


def test_indicator_ids_are_checked() -> None:
    import attrs

    from safeguarding_metrics_national.rereferrals import REREFERRALS_12M

    for bad in ("rereferrals", "National.x", "national.", "a.b.c"):
        with pytest.raises(ValueError, match="must be"):
            attrs.evolve(REREFERRALS_12M, id=bad)


def test_every_benchmark_link_names_a_published_measure() -> None:
    from safeguarding_metrics.benchmarks import measures

    keys = {m.key for m in measures()}
    registry = sm.default_registry()
    links = {i.id: i.benchmark.key for i in registry if i.benchmark is not None}
    assert links, "the national indicators link to DfE measures"
    assert {i: k for i, k in links.items() if k not in keys} == {}
