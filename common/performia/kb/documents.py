"""Finding the knowledge-base documents and converting them with docling.

docling turns Markdown, HTML and Word (DOCX) files into one document tree (titles, section
headers with their levels, paragraphs, lists, tables, code), which is what the chunker walks to
keep each passage's heading path. Those three formats are parsed by docling's declarative
backends (marko, BeautifulSoup, python-docx) and need no model.

PDF is different: docling reads a PDF page by page with a layout model and a table-structure
model (``docling-ibm-models`` on torch, weights from the Hugging Face hub). This project installs
the slim docling without them, and the build machine cannot download weights, so a PDF is
reported with a message saying what is missing instead of failing the whole ingestion. Where the
models *are* installed and their weights sit in a folder (``PERFORMIA_KB_PDF_MODELS``, the folder
``docling-tools models download`` fills), PDFs are converted with docling's standard PDF
pipeline, OCR off.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from performia.errors import BadInputError
from performia.kb.engines import import_docling

__all__ = [
    "FORMATS",
    "PDF_MODELS_ENV",
    "SourceFile",
    "UnsupportedDocumentError",
    "convert",
    "discover",
    "pdf_unavailable",
]

#: Suffix → docling input format name, for the formats converted without models.
FORMATS = {".md": "MD", ".markdown": "MD", ".html": "HTML", ".htm": "HTML", ".docx": "DOCX"}
_PDF = ".pdf"
#: Folder of docling's PDF model weights (``docling-tools models download --output-dir …``).
PDF_MODELS_ENV = "PERFORMIA_KB_PDF_MODELS"
#: Folders under the source never ingested (the generator script of the DOCX lives in tools/).
_SKIP_DIRS = frozenset({"tools"})


class UnsupportedDocumentError(BadInputError):
    """A document this installation cannot convert; the message says why and what would."""


@dataclass(frozen=True)
class SourceFile:
    """One document of the knowledge base.

    Attributes
    ----------
    path : Path
        The file.
    name : str
        Its path relative to the source folder, with ``/`` (the id passages are stored under).
    sha256 : str
        Checksum of its bytes: an unchanged file is not converted or embedded again.
    """

    path: Path
    name: str
    sha256: str

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()


def discover(source: Path) -> list[SourceFile]:
    """Every Markdown, HTML, DOCX and PDF file under ``source``, in name order.

    Hidden files and folders, and ``tools/``, are left out; so are other file types.
    """
    found = []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if any(part.startswith(".") for part in rel.parts) or rel.parts[0] in _SKIP_DIRS:
            continue
        if path.is_file() and (path.suffix.lower() in FORMATS or path.suffix.lower() == _PDF):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found.append(SourceFile(path=path, name=rel.as_posix(), sha256=digest))
    return found


def pdf_unavailable() -> str | None:
    """Why PDFs cannot be converted here, or ``None`` when they can."""
    missing = [m for m in ("docling_parse", "pypdfium2", "docling_ibm_models") if not _installed(m)]
    if missing:
        return (
            "PDF needs docling's PDF parser and layout models "
            f"({', '.join(missing)} not installed, nor their weights, which this machine cannot "
            "download); convert it to Markdown, HTML or DOCX, or install docling's 'standard' "
            f"extra and point {PDF_MODELS_ENV} at its downloaded models"
        )
    folder = os.environ.get(PDF_MODELS_ENV, "")
    if not folder or not Path(folder).is_dir():
        return (
            "PDF needs docling's layout model weights in a folder named by "
            f"{PDF_MODELS_ENV} (`docling-tools models download -o DIR`); "
            f"{'none is set' if not folder else f'{folder} is not a folder'}"
        )
    return None


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@lru_cache(maxsize=2)
def _converter(with_pdf: bool) -> Any:
    import_docling()
    from docling.datamodel.base_models import InputFormat
    from docling.document_converter import DocumentConverter

    formats = [InputFormat[name] for name in sorted(set(FORMATS.values()))]
    if not with_pdf:
        return DocumentConverter(allowed_formats=formats)
    from docling.datamodel.pipeline_options import PdfPipelineOptions
    from docling.document_converter import PdfFormatOption

    options = PdfPipelineOptions(artifacts_path=os.environ[PDF_MODELS_ENV], do_ocr=False)
    return DocumentConverter(
        allowed_formats=[*formats, InputFormat.PDF],
        format_options={InputFormat.PDF: PdfFormatOption(pipeline_options=options)},
    )


def convert(path: Path) -> Any:
    """The docling document of a Markdown, HTML, DOCX (or, where possible, PDF) file.

    Raises
    ------
    UnsupportedDocumentError
        For a PDF when its models are not available, or any other file type.
    BadInputError
        When docling cannot read the file (a damaged DOCX, say).
    """
    suffix = path.suffix.lower()
    if suffix == _PDF:
        reason = pdf_unavailable()
        if reason is not None:
            raise UnsupportedDocumentError(f"{path.name}: {reason}")
    elif suffix not in FORMATS:
        raise UnsupportedDocumentError(
            f"{path.name}: not a knowledge-base format (Markdown, HTML, DOCX or PDF)"
        )
    from docling.exceptions import ConversionError

    try:
        result = _converter(suffix == _PDF).convert(path, raises_on_error=True)
    except ConversionError as exc:
        raise BadInputError(f"{path.name}: docling could not convert it ({exc})") from exc
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path.name}: could not be read ({exc})") from exc
    return result.document
