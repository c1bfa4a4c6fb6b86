"""The README's worked example is executed, so its numbers cannot drift from the code."""

import doctest
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_output_is_what_the_code_prints():
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8, "the README lost its example"
    assert result.failed == 0
