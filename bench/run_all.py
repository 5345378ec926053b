"""Run every benchmark in bench/, then rewrite the latest-figures tables.

Each benchmark appends a dated section to results.md (the history). This
script then writes the newest section of every benchmark between the
``<!-- bench:start -->`` / ``<!-- bench:end -->`` markers at the top of
results.md and in the README, so both show one current table per benchmark.

Run: ``.venv/bin/python bench/run_all.py [--only NAME ...] [--no-run]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
README = BENCH.parent / "README.md"
RESULTS = BENCH / "results.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
SKIP = {"run_all.py", "_common.py"}


def benchmarks() -> list[Path]:
    return sorted(p for p in BENCH.glob("*.py") if p.name not in SKIP)


def latest_sections(text: str) -> dict[str, str]:
    """The newest section of each ``## title`` outside the latest-figures block."""
    if START in text and END in text:
        text = text[: text.index(START)] + text[text.index(END) + len(END) :]
    latest: dict[str, str] = {}
    for chunk in ("\n" + text).split("\n## ")[1:]:
        title, _, body = chunk.partition("\n")
        latest[title.strip()] = body.strip()
    return latest


def block(sections: dict[str, str]) -> str:
    parts = [START, "", "## Latest figures", ""]
    for title, body in sections.items():
        parts += [f"### {title}", "", body, ""]
    parts.append(END)
    return "\n".join(parts)


def replace_block(text: str, new: str, *, at_top: bool) -> str:
    if START in text and END in text:
        return text[: text.index(START)] + new + text[text.index(END) + len(END) :]
    return new + "\n\n" + text if at_top else text.rstrip() + "\n\n" + new + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=None, help="benchmark file stems to run")
    parser.add_argument("--no-run", action="store_true", help="only rewrite the tables")
    args = parser.parse_args()
    failed = []
    if not args.no_run:
        for script in benchmarks():
            if args.only is not None and script.stem not in args.only:
                continue
            print(f"== {script.name}", flush=True)
            if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
                failed.append(script.name)
    results = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    new = block(latest_sections(results))
    RESULTS.write_text(replace_block(results, new, at_top=True), encoding="utf-8")
    README.write_text(
        replace_block(README.read_text(encoding="utf-8"), new, at_top=False), encoding="utf-8"
    )
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
