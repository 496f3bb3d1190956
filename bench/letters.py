"""A letter for many signers: `flask letters build` (3 PDFs and a CSV) and one PDF alone,
against a floor: fpdf2 writing the same number of plain lines with no database and no
layout, the least any PDF of that length costs with this library."""

import os
import sys

from bench.export import build as build_signatures
from bench.harness import OUT, PYTHON, ROOT, app_env, flask, header, line, run_measured

SLUG = "end-the-pars-contract"

ONE_LETTER = """
from app import create_app
from app.core.clock import now
from app.letters.letter import build_letter
from app.petitions.queries import petition_by_slug
app = create_app()
with app.app_context():
    petition = petition_by_slug("end-the-pars-contract")
    letter = build_letter(petition, petition.targets[0], now())
    open(r"{output}", "wb").write(letter.data)
    print(letter.pages)
"""

FLOOR = """
from fpdf import FPDF
pdf = FPDF(format="letter")
pdf.add_font("body", "", r"{font}")
pdf.set_font("body", size=9)
pdf.add_page()
y = 20
for number in range({rows}):
    pdf.text(20, y, f"María López {{number}}    19107    2027-07-15")
    y += 5.2
    if y > 255:
        pdf.add_page()
        y = 20
open(r"{output}", "wb").write(bytes(pdf.output()))
"""


def run(database: str = "sqlite", rows: int | None = None) -> None:
    rows = rows or int(os.environ.get("BENCH_LETTER_ROWS", 100_000))
    header(f"Letters for {rows:,} signers ({database})")
    url = build_signatures(database, rows)
    env = app_env(url)
    one = run_measured([PYTHON, "-c", ONE_LETTER.format(output=OUT / "letter.pdf")], env=env)
    size = (OUT / "letter.pdf").stat().st_size
    floor = run_measured(
        [
            PYTHON,
            "-c",
            FLOOR.format(
                font=ROOT / "static/fonts/NotoSans-Regular.ttf", rows=rows, output=OUT / "floor.pdf"
            ),
        ],
        env=env,
    )
    everything = run_measured(
        flask("letters", "build", SLUG, "--output", str(OUT / "letters")), env=env
    )
    line(
        "one letter: time / peak memory / size",
        f"{one.seconds:.1f} s / {one.peak_mb:.0f} MB / {size / 1e6:.1f} MB",
    )
    line(
        "floor (fpdf2, plain lines): time / memory",
        f"{floor.seconds:.1f} s / {floor.peak_mb:.0f} MB",
    )
    line("time ratio one letter / floor", f"{one.seconds / floor.seconds:.2f}")
    line(
        "letters build (3 PDFs + CSV): time / memory",
        f"{everything.seconds:.1f} s / {everything.peak_mb:.0f} MB",
    )
    for leftover in (OUT / "letter.pdf", OUT / "floor.pdf"):
        leftover.unlink(missing_ok=True)


if __name__ == "__main__":
    run(*sys.argv[1:2])
