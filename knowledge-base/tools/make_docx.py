"""Write ``knowledge-base/project/cli-reference.docx``, the knowledge base's Word document.

The knowledge base holds one DOCX so that docling's Word path is exercised by the real
ingestion and its tests. Its content lives here, as data, so a change is reviewed as text:
edit this file, then run ``python knowledge-base/tools/make_docx.py`` (needs ``python-docx``,
part of the ``kb`` extra) and commit both. The output is deterministic: the document's creation
and modification dates are fixed, so an unchanged script writes an unchanged file's text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document

OUT = Path(__file__).resolve().parent.parent / "project" / "cli-reference.docx"
_FIXED = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

# (kind, payload): "h1"/"h2"/"h3" heading, "p" paragraph, "code" command line, "list" bullets,
# "table" rows (the first row is the header row: docling reads a Word table's first row as its
# column headers).
CONTENT: list[tuple[str, object]] = [
    ("title", "The performia command"),
    (
        "p",
        "performia is the command-line face of Performia: it analyses a recording into a Song "
        "Map, checks and exports Song Maps, runs the benchmarks, the local cloud and the "
        "knowledge base. It is installed with the package (pip install -e '.[dev]' or make "
        "run). Every command accepts --help.",
    ),
    ("h1", "Exit codes"),
    (
        "table",
        [
            ["Code", "Meaning"],
            ["0", "success"],
            ["2", "bad input: the one-line message says what to change; also usage mistakes"],
            ["1", "internal error; PERFORMIA_DEBUG=1 shows the traceback"],
        ],
    ),
    ("h1", "performia analyze"),
    (
        "p",
        "Analyses SONG (mp3, wav, flac, ogg, opus, m4a …) and writes OUT/song_map.json plus "
        "every stage's artifacts. Progress bars show each stage; a summary with a bar-by-bar "
        "chord chart per section and the lyric lines is printed at the end.",
    ),
    ("code", "performia analyze SONG [--out DIR] [--lyrics FILE] [--title T] [--artist A]"),
    ("code", "    [--album B] [--language en] [--separator spleeter|demucs]"),
    ("code", "    [--asr-model tiny.en|base|PATH] [--max-duration S]"),
    ("code", "    [--profile default|commercial] [-q]"),
    ("h2", "Options of analyze"),
    (
        "table",
        [
            ["Option", "Meaning"],
            ["--out, -o DIR", "output folder; default ./output/<song name>"],
            ["--lyrics FILE", "known lyrics, plain text (one sung line per line) or LRC"],
            ["--title, --artist, --album", "override the file's tags"],
            ["--language", "lyrics language such as en, de, pt_BR; default: detected"],
            ["--max-duration S", "longest recording accepted in seconds; default 1200"],
            ["--separator", "spleeter (2 stems, default) or demucs (4 stems)"],
            ["--asr-model", "Whisper model: tiny.en (default), base, or a model folder"],
            [
                "--profile",
                "engine profile: default (the most accurate engines) or commercial (only "
                "engines whose licences allow a paid hosted service); default: "
                "PERFORMIA_PROFILE, else default",
            ],
            ["--quiet, -q", "no progress display"],
        ],
    ),
    ("h2", "What analyze writes"),
    (
        "table",
        [
            ["Path", "Content"],
            ["DIR/song_map.json", "the Song Map, written atomically after every stage succeeded"],
            ["DIR/uploads/{job}/{file}", "the original recording (the Song Map's audio.src)"],
            ["DIR/jobs/{job}/{stage}/{fingerprint}/", "each stage's artifacts and _done.json"],
            ["DIR/.performia/jobs.sqlite", "the job record: status, per-stage state, timings"],
        ],
    ),
    ("h2", "Re-running analyze"),
    (
        "p",
        "A rerun on the same recording reuses every stage whose fingerprint (code version, "
        "declared parameters, upstream fingerprints, input checksum) is unchanged: changing "
        "--title re-runs ingest and package and nothing else; giving --lyrics re-runs "
        "transcription and what uses it. Songs analysed into the same folder add up to a "
        "library (songs/index.json).",
    ),
    ("h1", "performia validate"),
    ("code", "performia validate FILE"),
    (
        "p",
        "Checks a Song Map against the schema and prints its sections, lines and syllables; "
        "an invalid file exits 2 with an error that names the field at fault.",
    ),
    ("h1", "performia export"),
    ("code", "performia export FILE --format chordpro|lrc [-o OUT]"),
    (
        "p",
        "Exports a Song Map as a ChordPro 6 chart (chords over the syllables where they change) "
        "or as enhanced LRC (line and word timestamps). Without -o the text goes to standard "
        "output.",
    ),
    ("h1", "performia schema"),
    ("code", "performia schema [--write]"),
    (
        "p",
        "Prints the Song Map JSON Schema generated from the pydantic models; --write rewrites "
        "the committed common/performia/songmap/song_map.schema.json (make schema does this).",
    ),
    ("h1", "performia example"),
    ("code", "performia example PATH"),
    (
        "p",
        "Synthesises the example song (drums, chords, a melody and espeak-ng lyrics) at PATH, "
        "with its truth beside it. make run with no SONG uses it.",
    ),
    ("h1", "performia bench"),
    (
        "list",
        [
            "performia bench accuracy [--quick] [--only rhythm,harmony] [--json F]: mir_eval "
            "scores on the 24-song synthesised suite, with the baseline",
            "performia bench speed [--json F]: seconds, real-time factor, peak memory per "
            "analysis on a 181 s song",
            "performia bench lyrics [--json F]: separation SDR, WER, word-onset error with and "
            "without given lyrics",
            "performia bench separation and performia bench transcription: each engine's speed "
            "and memory on a 3-minute song",
        ],
    ),
    ("h1", "performia dev"),
    (
        "list",
        [
            "performia dev up [--project P] [--bucket B] [--log-dir DIR]: start the local "
            "cloud (emulators, topics, functions) and print its environment; Ctrl-C stops it",
            "performia dev down: stop the stack started from this folder",
        ],
    ),
    ("h1", "performia kb"),
    (
        "list",
        [
            "performia kb ingest [--source DIR] [--index DIR]: build or update the knowledge "
            "base index (only changed documents are embedded again)",
            'performia kb query "question" [-k 5] [--mode hybrid|dense|bm25]: the passages '
            "that best answer a question, with their document, heading path and score",
            "performia kb bench [--questions FILE] [--json F]: recall@5, MRR and query latency "
            "on the question set",
        ],
    ),
    ("h1", "Environment"),
    (
        "p",
        "Settings come from PERFORMIA_* environment variables, read once (see the settings "
        "reference): for example PERFORMIA_SEPARATOR=demucs, PERFORMIA_ASR_MODEL=base, "
        "PERFORMIA_DEVICE=cpu, PERFORMIA_PROFILE=commercial. Command-line options override "
        "them for one run.",
    ),
]


def build(path: Path = OUT) -> Path:
    """Write the document to ``path``; return it."""
    doc = Document()
    for kind, payload in CONTENT:
        if kind == "title":
            doc.add_heading(str(payload), level=0)
        elif kind in ("h1", "h2", "h3"):
            doc.add_heading(str(payload), level=int(kind[1]))
        elif kind == "p":
            doc.add_paragraph(str(payload))
        elif kind == "code":
            run = doc.add_paragraph().add_run(str(payload))
            run.font.name = "Courier New"
        elif kind == "list":
            for item in payload:  # type: ignore[attr-defined]
                doc.add_paragraph(str(item), style="List Bullet")
        elif kind == "table":
            rows = payload  # type: ignore[assignment]
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        else:
            raise ValueError(f"unknown content kind {kind!r}")
    props = doc.core_properties
    props.title = "The performia command"
    props.author = "Performia"
    props.created = props.modified = _FIXED
    props.last_modified_by = "Performia"
    props.revision = 1
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


if __name__ == "__main__":
    print(f"wrote {build()}")
