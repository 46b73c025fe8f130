"""The benchmark machinery, without timing anything.

The results file -> table / budget list / chart code of benchmarks/report.py on a
small fake results file; the budget checker flags a miss; the committed
appendix files are the ones generated from the committed results file; the
widget benchmark finds the widgets and moves every kind of slider; and
SliderFigure's PNG (one Agg draw, cropped) looks like the inline backend's.
"""

from __future__ import annotations

import io
import json
import sys

import ipywidgets as widgets
import numpy as np
import pytest
from conftest import ROOT
from matplotlib.figure import Figure
from PIL import Image

BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

import common  # noqa: E402
import report  # noqa: E402


def fake_results(widget_ms: float = 30.0) -> dict:
    """Two sections, one budget each; the widget's budget is missed when widget_ms > 50."""
    return {
        "date": "2026-01-01 00:00 UTC",
        "quick": False,
        "elapsed_s": 90.0,
        "machine": {"cpu": "Test CPU", "cores": 2, "machine": "x86_64", "system": "Linux 6",
                    "python": "3.11.0", "libraries": {"numpy": "2.0", "bm25s": "0.3"}},
        "load_average": {"before": [0.1, 0.2, 0.3], "after": [1.0, 0.5, 0.4]},
        "sections": [
            {
                "name": "BM25", "key": "bm25", "setup": "fake",
                "ran": {"date": "2026-01-01 00:00 UTC", "elapsed_s": 60.0, "load_before": [0.1, 0.2, 0.3],
                        "load_after": [1.0, 0.5, 0.4]},
                "rows": [
                    common.row("ragmath BM25.search", "query", [2e-4, 3e-4, 4e-4], reference_times=[1e-4],
                               reference="bm25s get_scores + topk", ragmath=True),
                    common.row("bm25s get_scores + topk", "query", [1e-4], reference_times=[1e-4],
                               reference="bm25s get_scores + topk"),
                ],
                "checks": [common.check("BM25 query vs bm25s", 3.0, 1.2, case="ragmath BM25.search")],
                "notes": [],
            },
            {
                "name": "Widgets", "key": "widgets", "setup": "fake",
                "rows": [common.row("similarity.vector_pair_explorer", "slider move", [widget_ms / 1e3] * 3,
                                    ragmath=True)],
                "checks": [common.check("widget similarity.vector_pair_explorer (median)", widget_ms / 1e3,
                                        0.05, unit="s", case="similarity.vector_pair_explorer")],
                "notes": [],
            },
        ],
    }


# ------------------------------------------------------------------- budgets
def test_check_flags_a_miss_and_passes_a_hit():
    assert common.check("x", 1.21, 1.2)["ok"] is False
    assert common.check("x", 1.2, 1.2)["ok"] is True
    assert common.check("recall", 0.5, 0.6, unit="", at_most=False)["ok"] is False
    assert "OVER BUDGET" in common.check_line(common.check("x", 1.5, 1.2))
    assert "within budget" in common.check_line(common.check("x", 1.0, 1.2))


def test_failed_checks_lists_every_miss_with_its_section():
    results = fake_results(widget_ms=80.0)
    failed = report.failed_checks(results)
    assert [(c["section"], c["case"]) for c in failed] == [
        ("BM25", "ragmath BM25.search"), ("Widgets", "similarity.vector_pair_explorer")]
    assert [c["case"] for c in report.failed_checks(fake_results(widget_ms=30.0))] == ["ragmath BM25.search"]


def test_print_section_returns_non_zero_on_a_miss(capsys):
    results = fake_results(widget_ms=30.0)
    assert common.print_section(results["sections"][0]) == 1
    assert common.print_section(results["sections"][1]) == 0
    out = capsys.readouterr().out
    assert "OVER BUDGET: BM25 query vs bm25s: 3.00× (budget ≤ 1.20×)" in out


def test_row_ratio_is_median_over_reference_median():
    r = common.row("a", "query", [1.0, 2.0, 9.0], reference_times=[0.5, 1.0, 1.5], reference="b")
    assert r["median_s"] == 2.0 and r["ratio"] == 2.0 and r["samples"] == 3
    assert r["p95_s"] == pytest.approx(np.percentile([1.0, 2.0, 9.0], 95))


# ------------------------------------------------------------- table and chart
def test_markdown_has_every_row_the_machine_and_the_verdicts():
    text = report.markdown(fake_results(widget_ms=80.0))
    assert "Test CPU (2 cores)" in text
    assert "| BM25 | 2026-01-01 00:00 UTC | 1.0 min | 0.1, 0.2, 0.3 | 1.0, 0.5, 0.4 |" in text
    assert "**BM25.** fake" in text
    assert "| **ragmath BM25.search** | 300\u00a0µs | 390\u00a0µs | 3.00 | bm25s get_scores + topk |" in text
    assert "| widget similarity.vector_pair_explorer (median) | 80.0\u00a0ms | ≤\u00a050.0\u00a0ms | **over** |" in text
    assert "| BM25 query vs bm25s | 3.00× | ≤\u00a01.20× | **over** |" in text
    assert "ragmath BM25.search takes 3.00× the time of bm25s get_scores + topk" in text
    assert "**Widgets.** fake\n\n| Case | Median | p95 |\n|---|---:|---:|\n" in text  # no ratio: no such columns
    within = report.markdown(fake_results(widget_ms=30.0))
    assert "| widget similarity.vector_pair_explorer (median) | 30.0\u00a0ms | ≤\u00a050.0\u00a0ms | within |" in within


def test_chart_is_log_scale_one_panel_per_section_misses_in_red():
    fig = report.chart(fake_results(widget_ms=80.0))
    assert len(fig.axes) == 2
    assert all(ax.get_xscale() == "log" for ax in fig.axes)
    bm25_bars = fig.axes[0].patches
    assert [b.get_width() for b in bm25_bars] == pytest.approx([3e-4, 1e-4])
    from matplotlib.colors import to_hex

    assert [to_hex(b.get_facecolor()) for b in bm25_bars] == [report.OVER_COLOR, report.OTHER_COLOR]
    assert to_hex(fig.axes[1].patches[0].get_facecolor()) == report.OVER_COLOR
    ok = report.chart(fake_results(widget_ms=30.0))
    assert to_hex(ok.axes[1].patches[0].get_facecolor()) == report.RAGMATH_COLOR


def test_write_produces_markdown_and_svg(tmp_path):
    path = tmp_path / "run.json"
    results = fake_results()
    path.write_text(json.dumps(results), encoding="utf-8")
    md, svg = report.write(results, path)
    assert md.read_text(encoding="utf-8") == report.markdown(results)
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert svg.with_suffix(".pdf").read_bytes().startswith(b"%PDF"), "no chart for the PDF edition"


def test_committed_page_files_come_from_the_committed_results():
    """book/performance.md includes latest.md: it must be generated from latest.json."""
    latest = BENCH / "results" / "latest.json"
    assert latest.exists(), "benchmarks/results/latest.json is missing: run `make bench`"
    results = json.loads(latest.read_text(encoding="utf-8"))
    assert not results["quick"], "the committed results come from a --quick run"
    assert latest.with_suffix(".md").read_text(encoding="utf-8") == report.markdown(results), (
        "benchmarks/results/latest.md is stale: run .venv/bin/python benchmarks/report.py")
    assert latest.with_suffix(".svg").exists()
    assert latest.with_suffix(".pdf").exists()


# ------------------------------------------------------------ the widget bench
def test_widget_factories_are_discovered():
    import bench_widgets

    names = bench_widgets.widget_factories()
    assert "similarity.vector_pair_explorer" in names
    assert "rag.retrieval_explorer" in names
    assert not any(name.startswith("_base") for name in names)


@pytest.mark.parametrize(
    "control, expected_first",
    [
        (widgets.IntSlider(value=2, min=0, max=4, step=1), 3),
        (widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.5), 0.5),
        (widgets.SelectionSlider(options=[1, 2, 5], value=5), 2),
        (widgets.Checkbox(value=False), True),
        (widgets.FloatLogSlider(value=1.0, base=10, min=-2, max=2, step=1), 10.0),
    ],
)
def test_next_values_moves_every_kind_of_slider(control, expected_first):
    import bench_widgets

    values = bench_widgets._next_values(control, 6)
    assert len(values) == 6 and values[0] == expected_first
    assert all(a != b for a, b in zip(values, values[1:]))  # every move changes the value


def test_next_values_leaves_a_text_box_alone():
    import bench_widgets

    assert bench_widgets._next_values(widgets.Text(value="q"), 5) == []


def test_time_widget_times_only_moves_that_redraw():
    import bench_widgets

    from ragmath.widgets import SliderFigure

    calls = []

    def plot(x):
        calls.append(x)
        fig = Figure(figsize=(2, 2))
        fig.subplots().plot([0, 1], [0, x])
        return fig

    w = SliderFigure(plot, {"x": widgets.IntSlider(value=0, min=0, max=3)})
    times = bench_widgets.time_widget(w, 5)
    assert times.size == 5 and (times > 0).all()
    assert len(calls) == 6  # the first drawing, then one per timed move


# ------------------------------------------------------- SliderFigure's PNG
def _png_shape(data: bytes) -> tuple[int, int]:
    return np.asarray(Image.open(io.BytesIO(data))).shape[:2]


def test_figure_png_crops_like_the_inline_backend():
    from IPython.core.pylabtools import print_figure

    from ragmath.widgets._base import figure_png

    fig = Figure(figsize=(4, 3), dpi=100)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title("a title")
    inline = _png_shape(print_figure(fig, "png", bbox_inches="tight"))
    ours = _png_shape(figure_png(fig))
    assert ours != (300, 400)  # cropped, not the whole canvas
    assert abs(ours[0] - inline[0]) <= 4 and abs(ours[1] - inline[1]) <= 4


def test_figure_png_keeps_what_sticks_out_of_the_figure():
    from IPython.core.pylabtools import print_figure

    from ragmath.widgets._base import figure_png

    fig = Figure(figsize=(3, 2), dpi=100)
    fig.subplots().plot([0, 1], [0, 1])
    fig.text(-0.6, 0.5, "far to the left of the figure")  # 1.8 inches outside
    inline = _png_shape(print_figure(fig, "png", bbox_inches="tight"))
    ours = _png_shape(figure_png(fig))
    assert ours[1] > 300 + 150  # the text is in the image
    assert abs(ours[1] - inline[1]) <= 4


def test_slider_figure_shows_the_png_of_its_figure():
    from ragmath.widgets import vector_pair_explorer

    w = vector_pair_explorer()
    first = w.image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    w.controls["angle_deg"].value = 120
    assert w.image.value != first and w.params["angle_deg"] == 120


def test_figure_png_with_a_shared_renderer_draws_what_a_fresh_one_draws():
    """Reusing one Agg renderer (and its text caches) across figures changes no pixel.

    Two different figures of the same size, with TeX tick labels (log axis) and
    different texts, are drawn one after the other through the shared renderer;
    each PNG must equal the one drawn by a brand-new renderer, so nothing of the
    first figure (pixels, laid-out text) leaks into the second.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    from ragmath.widgets import _base

    def make(title, ys):
        fig = Figure(figsize=(4, 3), dpi=100)
        ax = fig.subplots()
        ax.semilogy([1, 2, 3], ys)
        ax.set_title(title)
        return fig

    def fresh_rgba(fig):
        width, height = fig.get_size_inches()
        region = Bbox.from_bounds(0, 0, width, height).padded(0.3)
        FigureCanvasAgg(fig)  # a plain canvas: a new renderer with empty caches
        buffer = io.BytesIO()
        fig.savefig(buffer, format="rgba", bbox_inches=region, dpi=fig.dpi)
        return buffer.getvalue()

    first, second = make("first", [1, 10, 100]), make("second, longer title", [0.01, 5, 2])
    shared = [_base._draw_rgba(f, Bbox.from_bounds(0, 0, 4, 3).padded(0.3)).tobytes() for f in (first, second)]
    assert shared[0] != shared[1]
    assert shared[0] == fresh_rgba(make("first", [1, 10, 100]))
    assert shared[1] == fresh_rgba(make("second, longer title", [0.01, 5, 2]))
    assert any(isinstance(c, FigureCanvasAgg) for c in (first.canvas, second.canvas))


# ------------------------------------------------------- the Cranfield files
CRAN_DOCS = """.I 1
.T
experimental investigation of the aerodynamics of a
wing in a slipstream .
.A
brenckman,m.
.B
j. ae. scs. 25, 1958, 324.
.W
experimental investigation of the aerodynamics of a
wing in a slipstream .
  an experimental study of a wing in a propeller slipstream .
.I 2
.T
simple shear flow past a flat plate .
.A
.B
j. math. phys. 1957.
.W
simple shear flow past a flat plate .
.A
second author
.W
a second abstract part .
.I
"""

CRAN_QUERIES = ".I 001\r\n.W\r\nwhat similarity laws must be obeyed\r\nby aeroelastic models .\r\n.I 004\r\n.W\r\nheat conduction .\r\n.I\r\n"


def test_cranfield_records_fields_and_defects():
    import bench_cranfield as cf

    docs = cf.parse_records(CRAN_DOCS)
    assert [i for i, _ in docs] == ["1", "2"]  # the trailing bare .I is no record
    first = docs[0][1]
    assert first["T"] == "experimental investigation of the aerodynamics of a wing in a slipstream ."
    assert first["A"] == "brenckman,m." and first["B"] == "j. ae. scs. 25, 1958, 324."
    assert first["W"].endswith("slipstream . an experimental study of a wing in a propeller slipstream .")
    assert docs[1][1]["A"] == "second author"  # an empty field, then the same field again: joined
    assert docs[1][1]["W"] == "simple shear flow past a flat plate . a second abstract part ."
    assert cf.repeated_fields(CRAN_DOCS) == ["2"]
    queries = cf.parse_records(CRAN_QUERIES, fields="W")  # CRLF line ends
    assert queries == [("001", {"W": "what similarity laws must be obeyed by aeroelastic models ."}),
                       ("004", {"W": "heat conduction ."})]


@pytest.mark.parametrize("text, message", [
    ("stray text\n.I 1\n.W\nx\n", "before the first .I"),
    (".I 1\n.W\nx\n.I 1\n.W\ny\n", "occurs twice"),
    (".I 1\n.X\nx\n", "unknown field"),
    (".I 1\n.W\nx\n.I\n.W\ny\n", "no id"),
    (".I 1\nx\n", "outside any field"),
])
def test_cranfield_records_refuse_bad_files(text, message):
    import bench_cranfield as cf

    with pytest.raises(ValueError, match=message):
        cf.parse_records(text)


def test_cranfield_grades_map_to_gains_higher_is_more_relevant():
    import bench_cranfield as cf

    assert [cf.gain_of_grade(g) for g in (1, 2, 3, 4, 5, -1)] == [4, 3, 2, 1, 0, 0]
    assert cf.gain_of_grade(np.int64(2)) == 3
    for bad in (0, 6, -2, 1.0, True, "1"):
        with pytest.raises(ValueError, match="grade"):
            cf.gain_of_grade(bad)


def test_cranfield_qrels_and_query_numbering():
    import bench_cranfield as cf

    qrels = cf.parse_qrels("1 184 2\n1 29 1\n2 12 -1\r\n\n3 5 4\n")
    assert qrels == {1: {184: 2, 29: 1}, 2: {12: -1}, 3: {5: 4}}
    with pytest.raises(ValueError, match="listed twice"):
        cf.parse_qrels("1 5 2\n1 5 3\n")
    with pytest.raises(ValueError, match="expected 'query doc code'"):
        cf.parse_qrels("1 5\n")
    with pytest.raises(ValueError, match="grade"):
        cf.parse_qrels("1 5 7\n")
    # the file's .I numbers (1, 2, 4) are not the qrels' numbers (1, 2, 3): positions are
    assert cf.query_numbering(["001", "002", "004"], qrels) == {"ok": True, "file_ids_are_positions": False,
                                                                  "n": 3}
    assert not cf.query_numbering(["001", "002"], qrels)["ok"]


def test_cranfield_loads_a_tiny_collection(tmp_path):
    import bench_cranfield as cf

    (tmp_path / "cran.all.1400").write_text(CRAN_DOCS, encoding="utf-8")
    (tmp_path / "cran.qry").write_text(CRAN_QUERIES, encoding="utf-8")
    (tmp_path / "cranqrel").write_text("1 2 1\n1 1 3\n2 1 4\n", encoding="utf-8")
    col = cf.load_cranfield(tmp_path)
    assert col["doc_ids"] == [1, 2] and col["query_file_ids"] == [1, 4]
    assert col["gains"] == {1: {2: 4, 1: 2}, 2: {1: 1}}
    assert col["grade_counts"] == {1: 1, 3: 1, 4: 1} and col["repeated_fields"] == ["2"]
    assert cf.document_texts(col)[1].startswith("simple shear flow past a flat plate . simple shear")
    (tmp_path / "cranqrel").write_text("1 2 1\n5 1 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not 1..2"):
        cf.load_cranfield(tmp_path)


def test_cranfield_section_is_skipped_without_the_data(tmp_path):
    import bench_cranfield as cf

    section = cf.run(tmp_path)
    assert section["skipped"] and section["rows"] == [] and section["checks"] == []
    assert "missing cran.all.1400, cran.qry, cranqrel" in section["notes"][0]


def test_average_precision_by_hand():
    import bench_cranfield as cf

    # relevant at ranks 1 and 3 of 4, a third relevant document ranked last but scored -inf-like
    S = [[0.9, 0.8, 0.7, 0.6], [0.1, 0.2, 0.3, 0.4], [1.0, 1.0, 0.0, 0.0]]
    G = [[1, 0, 2, 0], [1, 0, 0, 0], [0, 3, 0, 0]]
    # row 0: (1/1 + 2/3) / 2; row 1: the relevant one is 4th: (1/4) / 1;
    # row 2: a tie, broken by decreasing column: column 1 first, AP 1
    assert cf.average_precision(S, G) == pytest.approx([(1 + 2 / 3) / 2, 0.25, 1.0])
    assert cf.average_precision([[0.5, 0.4]], [[0, 0]]).tolist() == [0.0]
    with pytest.raises(ValueError, match="shape"):
        cf.average_precision([[1.0, 2.0]], [[1, 0, 0]])


def test_holm_against_its_definition():
    import bench_cranfield as cf

    p = np.array([0.04, 0.001, 0.03, 0.5])
    # sorted 0.001, 0.03, 0.04, 0.5 times 4, 3, 2, 1: 0.004, 0.09, 0.08 -> 0.09 (monotone), 0.5
    assert cf.holm(p) == pytest.approx([0.09, 0.004, 0.09, 0.5])
    assert cf.holm([0.9, 0.8]).tolist() == [1.0, 1.0]


def test_cross_validated_convex_chooses_alpha_without_the_test_fold():
    import bench_cranfield as cf

    from ragmath.pipeline import convex_fusion

    rng = np.random.default_rng(0)
    n = 20
    perm = np.random.default_rng(cf.SPLIT_SEED).permutation(n)
    first, second = np.sort(perm[: n // 2]), np.sort(perm[n // 2:])
    grades = (rng.random((n, 30)) < 0.15).astype(float)
    grades[:, 0] = 1.0
    noise_l, noise_d = rng.random((n, 30)), rng.random((n, 30))
    lexical, dense = noise_l.copy(), noise_d.copy()
    lexical[first] = grades[first] + 0.1 * noise_l[first]  # lexical knows the answers on the first half
    dense[second] = grades[second] + 0.1 * noise_d[second]  # dense knows them on the second half
    fused, alphas, sizes = cf.cross_validated_convex(lexical, dense, grades)
    assert sizes == [10, 10]
    assert alphas[0] >= 0.6 and alphas[1] <= 0.4  # chosen on the first half, then on the second
    # each half is fused with the alpha of the *other* half: the wrong side, hence worse than in-sample
    assert fused[second] == pytest.approx(convex_fusion(lexical[second], dense[second], alphas[0]))
    assert fused[first] == pytest.approx(convex_fusion(lexical[first], dense[first], alphas[1]))


# ------------------------------------------------------- the encoder bench
def test_encoder_cosines_and_worker_environment():
    import bench_encoder

    a = np.array([[1.0, 0.0], [3.0, 4.0]])
    b = np.array([[2.0, 0.0], [4.0, 3.0]])
    assert bench_encoder.cosines(a, b) == pytest.approx([1.0, 24 / 25])
    with pytest.raises(ValueError, match="shape"):
        bench_encoder.cosines(a, b[:1])
    env = bench_encoder.worker_env(3)
    assert all(env[name] == "3" for name in bench_encoder.THREAD_VARIABLES)
    assert common.format_value(0.99999123, "cosine") == "0.9999912"


def test_extra_tables_are_printed_and_rendered(capsys):
    table = {"title": "quality", "columns": ["Run", "NDCG@10"], "rows": [["BM25", "0.521"], ["a|b", "0.5"]]}
    section = {"name": "Q", "key": "q", "setup": "", "rows": [], "checks": [], "notes": ["n1"],
               "tables": [table]}
    assert common.print_section(section) == 0
    out = capsys.readouterr().out
    assert "Run   NDCG@10\n----  -------\nBM25  0.521\n" in out
    text = report.markdown_table({"sections": [section]})
    assert text == ("**Q.**\n\n- n1\n\n*quality*\n\n| Run | NDCG@10 |\n|---|---:|\n| BM25 | 0.521 |\n"
                    "| a\\|b | 0.5 |")
    with pytest.raises(ValueError, match="cells"):
        report.extra_table({"title": "t", "columns": ["a", "b"], "rows": [["x"]]})
