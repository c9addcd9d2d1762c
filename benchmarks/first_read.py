"""Print each example's first read: what a reader sees before expanding anything.

    python benchmarks/first_read.py            # build the site, print every example
    python benchmarks/first_read.py --site site  # measure an already built site

The figures and the budgets come from tests/first_read.py; tests/test_first_read.py fails
when an example is over budget.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from conftest import build_site
from first_read import BUDGETS, level_of, measure_site, over_budget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a site already built")
    arguments = parser.parse_args()
    if arguments.site:
        examples = measure_site(arguments.site)
    else:
        with tempfile.TemporaryDirectory() as folder:
            examples = measure_site(build_site(Path(folder)))

    print(f"{'example':<12}{'code lines':>11}{'words':>7}{'open boxes':>12}  page")
    for example in examples:
        print(
            f"{example.name:<12}{example.code_lines:>11}{example.words:>7}"
            f"{example.open_boxes:>12}  {example.page}#{example.anchor}"
        )
    print()
    print(
        f"{'level':<14}{'examples':>9}{'median lines':>14}{'max':>6}"
        f"{'median words':>14}{'max':>6}{'max boxes':>11}"
    )
    levels: dict[str, list] = {}
    for example in examples:
        levels.setdefault(level_of(example), []).append(example)
    for level, members in levels.items():
        lines = [example.code_lines for example in members]
        words = [example.words for example in members]
        boxes = [example.open_boxes for example in members]
        print(
            f"{level:<14}{len(members):>9}{statistics.median(lines):>14g}"
            f"{max(lines):>6}{statistics.median(words):>14g}{max(words):>6}"
            f"{max(boxes):>11}"
        )
    print(
        f"{'budget':<14}{'':>9}{BUDGETS.median_code_lines:>14}"
        f"{BUDGETS.max_code_lines:>6}{BUDGETS.median_words:>14}"
        f"{BUDGETS.max_words:>6}{BUDGETS.max_open_boxes:>11}"
    )
    problems = over_budget(examples)
    if problems:
        print(f"\n{len(problems)} over budget:")
        for problem in problems:
            print("  " + problem)


if __name__ == "__main__":
    main()
