"""Generality of the compiler: the figures `fakegraph corpus-stats` prints (sample pages; the corpus)."""

from __future__ import annotations

import pytest

from fakegraph.cli import main
from fakegraph.compiler.stats import Ratio, stats_of
from tests.conftest import SAMPLE_OVERRIDES, SAMPLE_SOURCES


def test_stats_on_the_sample_pages(capsys):
    """The command prints the three ratios; on the sample pages every page compiles."""
    assert main(["corpus-stats", *map(str, SAMPLE_SOURCES), "--overrides", str(SAMPLE_OVERRIDES)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "pages: 31"
    assert out[1] == "api pages with an operation (method and path): 19/21 = 90.5%"
    assert out[2] == "resource pages with a schema passing check_schema: 9/9 = 100.0%"
    # The sample bodies without placeholders (the PUT and the team create) validate.
    assert out[3] == "example request bodies (JSON, no placeholders) that validate: 2/2 = 100.0%"


def test_nothing_counted_is_no_figure():
    """0/0 is shown as n/a and meets no bar; counted figures meet the bars they reach."""
    assert Ratio(0, 0).percent is None
    assert not Ratio(0, 0).meets(0.0)
    assert Ratio(19, 20).meets(95.0)
    assert not Ratio(18, 20).meets(95.0)


@pytest.mark.corpus
def test_corpus_figures_meet_the_bar(corpus_output):
    """Over the ~6,000-page corpus: no crash, ≥97% api pages with a path, ≥95% valid resource schemas,
    ≥95% of clean example request bodies valid against their operation's schema."""
    stats = stats_of(corpus_output)
    assert stats.pages > 5000
    assert stats.api_pages_with_path.meets(97.0), stats.failures["api"][:10]
    assert stats.resource_pages_with_schema.meets(95.0), stats.failures["resource"][:10]
    assert stats.request_bodies_valid.meets(95.0), stats.failures["request"][:10]
