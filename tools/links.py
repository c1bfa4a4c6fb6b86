"""Print launch links for every lesson: Binder, and nbgitpuller for an existing JupyterHub.

    python tools/links.py --repo https://github.com/OWNER/NAME [--branch main] [--hub https://hub.example.edu]

Binder builds the repository from environment.yml + postBuild. nbgitpuller (installed on the hub) clones
or updates the repository in each student's home on click, without overwriting their own edits.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import quote, urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]


def lesson_paths():
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "lessons").glob("[0-9]*.ipynb"))


def binder_link(repo_url, branch, notebook):
    parsed = urlparse(repo_url)
    if parsed.netloc != "github.com" or parsed.path.strip("/").count("/") != 1:
        raise ValueError(f"--repo: expected https://github.com/OWNER/NAME for Binder, got {repo_url!r}")
    owner_name = parsed.path.strip("/").removesuffix(".git")
    return f"https://mybinder.org/v2/gh/{owner_name}/{quote(branch, safe='')}?urlpath={quote('lab/tree/' + notebook)}"


def nbgitpuller_link(hub_url, repo_url, branch, notebook):
    folder = urlparse(repo_url).path.strip("/").split("/")[-1].removesuffix(".git")
    query = urlencode(
        {"repo": repo_url, "branch": branch, "urlpath": f"lab/tree/{folder}/{notebook}"},
        quote_via=quote,
    )
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", required=True, help="public URL of this repository")
    parser.add_argument("--branch", default="main")
    parser.add_argument("--hub", help="base URL of a JupyterHub with nbgitpuller installed")
    args = parser.parse_args(argv)
    try:
        for notebook in lesson_paths():
            print(notebook)
            if urlparse(args.repo).netloc == "github.com":
                print("  Binder:", binder_link(args.repo, args.branch, notebook))
            if args.hub:
                print("  JupyterHub:", nbgitpuller_link(args.hub, args.repo, args.branch, notebook))
    except ValueError as error:
        parser.error(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
