"""The template for a neighbouring council's plugin, installed as a separate distribution: it is
discovered, listed, computed and blockable, and its own tests pass. A broken plugin (a copy of the
template with a mistake in it) is reported by ``plugins`` and stops ``calculate`` unless the user
chooses to go on without it.

Installation works offline from a fresh clone: when the build backend (hatchling) is importable
the template is built into a wheel (``pip wheel --no-build-isolation --no-index``) and the wheel
unpacked into a fresh folder on ``sys.path``, as pip installs a pure-Python wheel; otherwise the
same files are written from the template's ``pyproject.toml`` (its packages, and a ``.dist-info``
with its name, version and entry points), which is all that entry-point discovery reads.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import safeguarding_metrics as sm
from safeguarding_metrics import registry as registry_module
from safeguarding_metrics.cli import main
from safeguarding_metrics.model import CinPlan, Visit
from safeguarding_metrics.plugins import ENV_BLOCK, ENV_DISABLE_AUTOLOAD, ENV_PLUGINS
from safeguarding_metrics.registry import PluginError

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "council-plugin"
ID = "example.cin_visits_20wd"
HAVE_HATCHLING = importlib.util.find_spec("hatchling") is not None


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _write_dist_info(project: Path, site: Path) -> None:
    """Install ``project`` into ``site`` from its pyproject.toml, without a build backend."""
    config = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    meta = config["project"]
    packages = config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    for package in packages:
        shutil.copytree(
            project / package,
            site / Path(package).name,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    info = site / f"{_normalise(meta['name'])}-{meta['version']}.dist-info"
    info.mkdir()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {meta['name']}",
        f"Version: {meta['version']}",
        f"Summary: {meta.get('description', '')}",
        f"Requires-Python: {meta.get('requires-python', '')}",
        *(f"Requires-Dist: {d}" for d in meta.get("dependencies", [])),
    ]
    (info / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")
    groups = [
        f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in points.items())
        for group, points in meta.get("entry-points", {}).items()
    ]
    (info / "entry_points.txt").write_text("\n".join(groups), encoding="utf-8")
    (info / "top_level.txt").write_text(
        "".join(f"{Path(p).name}\n" for p in packages), encoding="utf-8"
    )
    (info / "INSTALLER").write_text("safeguarding-metrics tests\n", encoding="utf-8")
    files = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    (info / "RECORD").write_text("".join(f"{f},,\n" for f in files), encoding="utf-8")


def _build_and_unpack(project: Path, site: Path, work: Path) -> None:
    """Build a wheel with the project's own build backend, offline, and unpack it."""
    out = work / "wheels"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("--no-index", "--quiet", "--wheel-dir", str(out), str(project)),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    [wheel] = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)


def install(project: Path, work: Path, *, build: bool = HAVE_HATCHLING) -> Path:
    """Install the distribution whose source folder is ``project`` into a new folder."""
    site = work / "site"
    site.mkdir(parents=True)
    if build:
        _build_and_unpack(project, site, work)
    else:
        _write_dist_info(project, site)
    return site


def copy_template(target: Path, *, name: str = "example") -> Path:
    """A copy of the template renamed as the README says (plugin ``name``)."""
    shutil.copytree(TEMPLATE, target, ignore=shutil.ignore_patterns("__pycache__", ".*cache*"))
    if name != "example":
        package = target / "src" / f"safeguarding_metrics_{name}"
        (target / "src" / "safeguarding_metrics_example").rename(package)
        pyproject = target / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        text = text.replace("safeguarding-metrics-example", f"{name}-metrics")
        text = text.replace("safeguarding_metrics_example", f"safeguarding_metrics_{name}")
        text = text.replace('example = "', f'{name} = "')
        pyproject.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def use_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Put an installation folder on ``sys.path`` for this test only."""
    added: list[str] = []

    def use(site: Path) -> None:
        monkeypatch.syspath_prepend(str(site))
        added.extend(p.name for p in site.iterdir() if p.is_dir())
        importlib.invalidate_caches()
        registry_module._cached.cache_clear()

    yield use
    for module in list(sys.modules):
        if module.split(".")[0] in added:
            del sys.modules[module]
    registry_module._cached.cache_clear()


@pytest.fixture
def example_site(tmp_path: Path, use_site: Callable[[Path], None]) -> Path:
    site = install(TEMPLATE, tmp_path)
    use_site(site)
    return site


def data_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "cin_plans.csv").write_text(
        "plan_id,child_id,start_date,end_date\nN1,C1,2015-06-01,\nN2,C2,2015-06-01,\n",
        encoding="utf-8",
    )
    (folder / "visits.csv").write_text(
        "child_id,visit_date,visit_type\nC1,2015-12-01,cin\nC2,2015-11-30,cin\n",
        encoding="utf-8",
    )
    return folder


def calculate_args(folder: Path, *more: str) -> list[str]:
    return ["calculate", str(folder), "--start", "2015-12-01", "--end", "2015-12-31", "-q", *more]


# -- the template, installed -----------------------------------------------------------------------


def test_the_template_is_discovered_with_its_distribution(example_site: Path) -> None:
    assert (example_site / "safeguarding_metrics_example" / "__init__.py").is_file()
    registry = sm.default_registry()
    assert ID in registry and "national.rereferrals_12m" in registry
    assert "rotherham.caseload_average" in registry
    prov = registry.provenance[ID]
    assert (prov.plugin, prov.distribution, prov.version) == (
        "example",
        "safeguarding-metrics-example",
        "0.1.0",
    )
    info = next(p for p in registry.plugins if p.name == "example")
    assert info.ok and info.hooks == (
        "register_benchmarks",
        "register_indicators",
        "register_targets",
    )
    assert info.module == "safeguarding_metrics_example"
    assert any(t.indicator == ID and t.value == 90.0 for t in registry.targets)
    assert not registry.problems


def test_the_template_is_listed(example_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins"]) == 0
    lines = capsys.readouterr().out.splitlines()
    [line] = [x for x in lines if x.startswith("example ")]
    assert "safeguarding-metrics-example" in line and line.rstrip().endswith("ok")
    assert main(["plugins", "--all"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert listed["example"]["indicators"] == [ID]
    assert listed["example"]["version"] == "0.1.0"
    assert main(["indicators", "--format", "json"]) == 0
    indicators = {i["id"]: i for i in json.loads(capsys.readouterr().out)}
    assert indicators[ID]["plugin"] == "example"
    assert indicators[ID]["parameters"][0]["name"] == "within"


def test_the_template_is_computed(
    example_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = data_folder(tmp_path)
    # the whole report: every installed plugin's indicators, the template's among them
    everything = sm.calculate(sm.load_dataset(folder), start="2015-12-01", end="2015-12-31")
    row = everything.frame.set_index("indicator").loc[ID]
    assert (row.numerator, row.denominator, row.value) == (1, 2, 50.0)
    assert (row.target, row.target_status) == (90.0, "red")
    assert {"national.rereferrals_12m", "rotherham.cp_visits_2w"} <= set(everything.frame.indicator)
    # and on the command line, with a parameter
    args = calculate_args(folder, "--indicator", ID, "--format", "json")
    assert main(args) == 0
    [row_json] = json.loads(capsys.readouterr().out)
    assert (row_json["numerator"], row_json["denominator"]) == (1, 2)
    assert main([*args, "--param", f"{ID}.within=21"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["value"] == 100.0


def test_the_template_is_blockable(
    example_site: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(ENV_BLOCK, "example")
    registry = sm.default_registry()
    assert ID not in registry
    assert next(p for p in registry.plugins if p.name == "example").blocked
    assert main(["plugins", "--all"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert listed["example"]["blocked"] and listed["example"]["indicators"] == []
    results = sm.calculate(
        sm.load_dataset(data_folder(tmp_path)), start="2015-12-01", end="2015-12-31"
    )
    assert ID not in set(results.frame.indicator)
    assert not any("example" in w for w in results.warnings)
    # and the other switches: only this plugin, or nothing but it
    monkeypatch.delenv(ENV_BLOCK)
    monkeypatch.setenv(ENV_PLUGINS, "example")
    assert list(sm.default_registry().indicators) == [ID]
    monkeypatch.setenv(ENV_DISABLE_AUTOLOAD, "1")
    assert list(sm.default_registry().indicators) == [ID]
    monkeypatch.delenv(ENV_PLUGINS)
    assert len(sm.default_registry()) == 0


def test_the_templates_own_tests_pass(example_site: Path, tmp_path: Path) -> None:
    """As the council runs them: pytest in its folder, with the plugin installed."""
    project = copy_template(tmp_path / "council")
    shutil.rmtree(project / "src")  # the tests must run against the installed distribution
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARDING_METRICS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(example_site), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"\b6 passed\b", done.stdout), done.stdout[-1000:]


@pytest.mark.skipif(not HAVE_HATCHLING, reason="hatchling (the template's build backend) absent")
def test_the_wheel_build_and_the_pyproject_install_agree(tmp_path: Path) -> None:
    built = install(TEMPLATE, tmp_path / "built", build=True)
    written = install(TEMPLATE, tmp_path / "written", build=False)

    def entry_points(site: Path) -> str:
        [info] = site.glob("*.dist-info")
        return " ".join((info / "entry_points.txt").read_text(encoding="utf-8").split())

    assert entry_points(built) == entry_points(written)
    assert (built / "safeguarding_metrics_example" / "__init__.py").read_bytes() == (
        written / "safeguarding_metrics_example" / "__init__.py"
    ).read_bytes()


# -- a broken plugin -------------------------------------------------------------------------------

BREAKAGES = {
    # the most likely mistake: copied, renamed, but the indicator ids still say "example."
    "ids not renamed": (lambda text: text, "does not start with the plugin's name 'broken.'"),
    "import error": (
        lambda text: text.replace("import numpy as np", "import numpy as np\nimport nmupy"),
        "ModuleNotFoundError",
    ),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_plugin_is_reported_and_stops_calculate(
    breakage: str,
    example_site: Path,
    tmp_path: Path,
    use_site: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    edit, error = BREAKAGES[breakage]
    project = copy_template(tmp_path / "broken-metrics", name="broken")
    module = project / "src" / "safeguarding_metrics_broken" / "__init__.py"
    module.write_text(edit(module.read_text(encoding="utf-8")), encoding="utf-8")
    use_site(install(project, tmp_path / "broken-install"))

    # the diagnosis command works, names the plugin and says what is wrong
    assert main(["plugins"]) == 1
    captured = capsys.readouterr()
    [line] = [x for x in captured.out.splitlines() if x.startswith("broken ")]
    assert "BROKEN" in line and error in line and "broken-metrics" in line
    assert "warning: plugin 'broken' is broken" in " ".join(captured.err.split())
    example = [x for x in captured.out.splitlines() if x.startswith("example ")]
    assert example and example[0].rstrip().endswith("ok")

    # a full report refuses to run without it, with a clear message and no traceback
    folder = data_folder(tmp_path)
    assert main(calculate_args(folder)) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "plugin 'broken' is broken" in err and error in err
    assert "--skip-broken-plugins" in err and "Traceback" not in err
    with pytest.raises(PluginError, match="'broken'"):
        sm.calculate(sm.load_dataset(folder), start="2015-12-01", end="2015-12-31")

    # unless the user chooses to go on without it: every other plugin's indicators computed
    assert main(calculate_args(folder, "--skip-broken-plugins", "--format", "json")) == 0
    captured = capsys.readouterr()
    computed = {r["indicator"] for r in json.loads(captured.out)}
    assert {ID, "national.rereferrals_12m", "rotherham.caseload_average"} <= computed
    assert not any(i.startswith("broken.") for i in computed)
    assert "its indicators are not in these results" in " ".join(captured.err.split())

    # or blocks it by name
    monkeypatch.setenv(ENV_BLOCK, "broken")
    assert main(["plugins"]) == 0
    assert "blocked" not in capsys.readouterr().out  # blocked plugins are listed with --all
    assert main(calculate_args(folder, "--format", "json")) == 0
    assert ID in {r["indicator"] for r in json.loads(capsys.readouterr().out)}


def test_a_template_indicator_can_be_named_with_a_registry_built_by_hand(
    example_site: Path,
) -> None:
    import safeguarding_metrics_example as example  # the installed copy

    data = sm.Dataset.from_records(
        [
            CinPlan(plan_id="N1", child_id="C1", start_date=dt.date(2015, 6, 1)),
            Visit(child_id="C1", visit_date=dt.date(2015, 12, 1), visit_type="cin"),
        ]
    )
    registry = sm.build_registry([("example", example)])
    row = sm.calculate(data, start="2015-12-31", end="2015-12-31", registry=registry).frame.iloc[0]
    assert (row.numerator, row.denominator, row.value) == (1, 1, 100.0)
    assert Path(example.__file__).is_relative_to(example_site)


# -- the guide, followed literally -----------------------------------------------------------------

GUIDE = ROOT / "docs" / "writing-a-plugin.md"


def _blocks(language: str) -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def test_a_plugin_written_from_the_guide_alone(
    tmp_path: Path, use_site: Callable[[Path], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """The folder of section 1, the module of section 2, the tests of section 4: installed,
    listed, computed, and its tests pass."""
    [pyproject] = _blocks("toml")
    # the guide's first four python blocks: the module, a worked example, conftest, kit tests
    plugin, worked_example, conftest, kit_test = _blocks("python")[:4]
    project = tmp_path / "doncaster-metrics"
    package = project / "src" / "safeguarding_metrics_doncaster"
    package.mkdir(parents=True)
    (project / "tests").mkdir()
    (project / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (package / "__init__.py").write_text(plugin, encoding="utf-8")
    (project / "conftest.py").write_text(conftest, encoding="utf-8")
    (project / "tests" / "test_indicators.py").write_text(
        worked_example + "\n\n" + kit_test, encoding="utf-8"
    )
    site = install(project, tmp_path / "install")
    use_site(site)

    assert main(["plugins"]) == 0
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("doncaster ")]
    assert "doncaster-metrics" in line and "2 indicators" in line and line.rstrip().endswith("ok")
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "referrals.csv").write_text(
        "referral_id,child_id,referral_date,nfa\nR1,C1,2015-04-01,true\nR2,C2,2015-04-09,false\n",
        encoding="utf-8",
    )
    args = ["calculate", str(folder), "--start", "2015-04-01", "--end", "2015-12-31"]
    args += ["--every", "month", "--indicator", "doncaster.nfa_referrals", "--format", "json"]
    assert main([*args, "-q"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert (rows[0]["numerator"], rows[0]["denominator"], rows[0]["target"]) == (1, 2, 20.0)

    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARDING_METRICS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    # its tests: the worked example runs; the kit's test (the same call as the template's own
    # tests, run above, about 20 s more) is collected
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"),
            "-k",
            "worked",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"\b1 passed, 2 deselected\b", done.stdout), done.stdout[-1000:]


def test_the_guides_snippets_run() -> None:
    # the count-form example has its own test (tests/test_docs.py)
    parameter, target = [b for b in _blocks("py") if "count_frame" not in b]
    namespace: dict[str, object] = {}
    exec(compile(parameter, "writing-a-plugin.md", "exec"), namespace)
    exec(compile(target, "writing-a-plugin.md", "exec"), namespace)
    register = namespace["register_targets"]
    assert callable(register)
    [made] = register()
    assert isinstance(made, sm.Target) and made.indicator == "doncaster.nfa_referrals"
