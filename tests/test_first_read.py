"""Each example's first read fits the budgets of README's "The shape of an example".

Measured on the built site (tests/first_read.py says how); `python benchmarks/first_read.py`
prints every example's figures.
"""

from __future__ import annotations

import pytest

from first_read import FirstRead, example_over_budget, levels_over_budget, measure_site
from site_sources import Example, examples


@pytest.fixture(scope="module")
def first_reads(built_site) -> dict[int, FirstRead]:
    return {example.number: example for example in measure_site(built_site)}


# Not named `example`: that is the fixture of the per-example test files (conftest.py).
@pytest.mark.parametrize("section", examples(), ids=str)
def test_first_read_fits_the_budget(section: Example, first_reads):
    measured = first_reads.get(section.number)
    assert measured, (
        f"{section.where}: Example {section.number} is not on the built site"
    )
    problems = example_over_budget(measured)
    assert not problems, "\n".join(problems)


def test_median_first_read_of_each_level_fits_the_budget(first_reads):
    problems = levels_over_budget(list(first_reads.values()))
    assert not problems, "\n".join(problems)
