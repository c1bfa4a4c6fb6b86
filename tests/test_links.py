import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import links  # noqa: E402


def test_binder_link_opens_the_lesson_in_lab():
    url = links.binder_link("https://github.com/acme/backprop", "main", "lessons/01_forward_pass.ipynb")
    assert url == "https://mybinder.org/v2/gh/acme/backprop/main?urlpath=lab/tree/lessons/01_forward_pass.ipynb"


def test_binder_link_rejects_a_non_github_repo():
    with pytest.raises(ValueError, match="--repo"):
        links.binder_link("https://example.org/acme/backprop", "main", "lessons/01_forward_pass.ipynb")


def test_nbgitpuller_link_points_into_the_cloned_folder():
    url = links.nbgitpuller_link(
        "https://hub.example.edu/", "https://github.com/acme/backprop", "main", "lessons/x.ipynb"
    )
    assert url.startswith("https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Facme")
    assert "urlpath=lab%2Ftree%2Fbackprop%2Flessons%2Fx.ipynb" in url
    assert "branch=main" in url
