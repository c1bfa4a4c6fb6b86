"""The conda/Binder environment and the pip project must ask for the same packages."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# conda-forge spells a few packages differently from PyPI; none of ours do yet.
CONDA_TO_PYPI = {}


def _name(requirement):
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for group in project["optional-dependencies"].values() for r in group]
    return {_name(r): r for r in requirements}


def _environment_packages():
    packages = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"^\s+-\s+([A-Za-z0-9_.\-]+)(.*)$", line)
        if match and match.group(1) not in ("python", "pip", "conda-forge"):
            name = CONDA_TO_PYPI.get(match.group(1), match.group(1)).lower().replace("_", "-")
            packages[name] = match.group(1) + match.group(2).strip()
    return packages


def _specifier(requirement):
    return requirement[len(_name(requirement)) :].replace(" ", "")


def test_environment_yml_lists_the_same_packages_as_pyproject():
    pip_side, conda_side = _pyproject_packages(), _environment_packages()
    assert set(conda_side) == set(pip_side), (
        f"only in environment.yml: {sorted(set(conda_side) - set(pip_side))}; "
        f"only in pyproject.toml: {sorted(set(pip_side) - set(conda_side))}"
    )


def test_environment_yml_uses_the_same_version_bounds():
    pip_side, conda_side = _pyproject_packages(), _environment_packages()
    different = {
        n: (pip_side[n], conda_side[n]) for n in pip_side if _specifier(pip_side[n]) != _specifier(conda_side[n])
    }
    assert not different, f"version bounds differ: {different}"


def test_constraints_pin_every_direct_dependency():
    pinned = {
        _name(line)
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    missing = sorted(set(_pyproject_packages()) - pinned)
    assert not missing, f"constraints.txt does not pin: {missing} (run `make freeze`)"


def test_postbuild_installs_the_local_package():
    text = (ROOT / "postBuild").read_text()
    assert "pip install" in text and "-e ." in text
