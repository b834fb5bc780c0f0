"""Files for the patient-document tests: real formats made here (no fixtures on disk), and
the bad ones the rules must refuse."""

import io
import struct

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
# A Windows executable's opening bytes ("MZ", the DOS stub, the PE header's offset).
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 112


def image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, fmt)
    return buffer.getvalue()


def heic() -> bytes:
    """The opening boxes of an iPhone photo (ISO base media file, brand heic)."""

    def box(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", 8 + len(data)) + kind + data

    return box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic") + box(b"meta", b"\x00" * 64)


def upload(data: bytes = PDF, name: str = "scan.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(settings) -> list:
    """Every file under MEDIA_ROOT/documents (the tests' MEDIA_ROOT is a temporary folder)."""
    root = settings.MEDIA_ROOT / "documents"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
