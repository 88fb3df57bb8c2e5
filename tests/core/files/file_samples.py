"""Small real files of every type, built in code so the tests carry no binary fixtures."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

# --- plain formats --------------------------------------------------------------------------


def pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png() -> bytes:
    """A 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """JPEG markers: start of image, a JFIF APP0 segment, end of image."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def gif() -> bytes:
    """The classic 1×1 transparent GIF."""
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00"
        b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def webp() -> bytes:
    """A 1×1 lossless WebP."""
    image = bytes.fromhex("2f00000010071011118888fe07")
    body = b"WEBP" + b"VP8L" + struct.pack("<I", len(image)) + image + b"\x00"  # pad to even
    return b"RIFF" + struct.pack("<I", len(body)) + body


def exe() -> bytes:
    """The start of a Windows executable: MZ header pointing at a PE header."""
    dos = bytearray(b"MZ" + b"\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")
    dos += b"\x00" * (0x3C - len(dos)) + struct.pack("<I", 0x80)
    dos += b"\x00" * (0x80 - len(dos))
    return bytes(dos) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200


def text(content: str = "민원 내용입니다.\n가로등이 꺼져 있습니다.\n", encoding="utf-8") -> bytes:
    return content.encode(encoding)


def csv(encoding="utf-8-sig") -> bytes:
    return "이름,동,건수\n가로등,신촌동,3\n쓰레기,연희동,5\n".encode(encoding)


# --- OLE compound files (HWP 5, and .doc for a non-HWP OLE file) -----------------------------

SECTOR = 512
MINI_SECTOR = 64
FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _dir_entry(name: str, kind: int, start: int, size: int, right=NO_STREAM, child=NO_STREAM):
    encoded = (name + "\x00").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBB", len(encoded), kind, 1)  # name length, type, black
        + struct.pack("<III", NO_STREAM, right, child)
        + b"\x00" * 16  # CLSID
        + struct.pack("<IQQ", 0, 0, 0)  # state bits, created, modified
        + struct.pack("<IQ", start, size)
    )


def ole(streams: dict[str, bytes]) -> bytes:
    """A version 3 compound file holding `streams` (each under 4096 bytes, so in the mini
    stream) directly under the root storage, as the [MS-CFB] specification lays it out."""
    mini_stream = b""
    mini_fat: list[int] = []
    entries = []
    names = list(streams)
    for index, name in enumerate(names):
        data = streams[name]
        count = max(1, -(-len(data) // MINI_SECTOR))
        start = len(mini_fat)
        mini_fat += [start + i + 1 for i in range(count - 1)] + [END]
        mini_stream += data.ljust(count * MINI_SECTOR, b"\x00")
        right = index + 2 if index + 1 < len(names) else NO_STREAM  # siblings as a right chain
        entries.append((name, len(data), start, right))

    # Sectors: 0 FAT, 1 directory, 2 mini FAT, 3… the mini stream.
    stream_sectors = max(1, -(-len(mini_stream) // SECTOR))
    fat = [FAT_SECTOR, END, END] + [3 + i + 1 for i in range(stream_sectors - 1)] + [END]
    directory = _dir_entry("Root Entry", 5, 3, len(mini_stream), child=1)
    for name, size, start, right in entries:
        directory += _dir_entry(name, 2, start, size, right=right)
    if len(entries) + 1 > SECTOR // 128:
        raise ValueError("this small builder holds at most three streams")
    directory = directory.ljust(SECTOR, b"\x00")
    for empty in range(len(entries) + 1, SECTOR // 128):
        offset = empty * 128
        directory = directory[:offset] + _dir_entry("", 0, 0, 0) + directory[offset + 128 :]

    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 2, 1, END, 0)
        + struct.pack("<I", 0)  # DIFAT[0]: the FAT is sector 0
        + struct.pack("<I", FREE) * 108
    )
    assert len(header) == SECTOR
    return (
        header
        + struct.pack(f"<{SECTOR // 4}I", *(fat + [FREE] * (SECTOR // 4 - len(fat))))
        + directory
        + struct.pack(f"<{SECTOR // 4}I", *(mini_fat + [FREE] * (SECTOR // 4 - len(mini_fat))))
        + mini_stream.ljust(stream_sectors * SECTOR, b"\x00")
    )


def hwp() -> bytes:
    """HWP 5: the FileHeader stream is 256 bytes starting with the signature and the version."""
    file_header = b"HWP Document File".ljust(32, b"\x00") + struct.pack("<II", 0x05000300, 1)
    return ole(
        {
            "FileHeader": file_header.ljust(256, b"\x00"),
            "DocInfo": b"\x00" * 100,
            "PrvText": "민원 답변서".encode("utf-16-le"),
        }
    )


def doc() -> bytes:
    """An OLE file that is not HWP (a Word 97 document has a WordDocument stream)."""
    return ole({"WordDocument": b"\xec\xa5" + b"\x00" * 200})


# --- zip containers -------------------------------------------------------------------------


def _zip(entries: list[tuple[str, bytes]], stored_first=False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, (2025, 1, 1, 0, 0, 0)), data, method)
    return buffer.getvalue()


def hwpx() -> bytes:
    """HWPX (OWPML): `mimetype` first and stored, as in ODF."""
    return _zip(
        [
            ("mimetype", b"application/hwp+zip"),
            ("version.xml", b'<?xml version="1.0"?><hv:HCFVersion xmlns:hv="x"/>'),
            ("META-INF/container.xml", b'<?xml version="1.0"?><container/>'),
            ("Contents/content.hpf", b'<?xml version="1.0"?><opf:package xmlns:opf="x"/>'),
            ("Contents/section0.xml", "<hs:sec><hp:t>민원 답변</hp:t></hs:sec>".encode()),
        ],
        stored_first=True,
    )


def _ooxml(main_part: str, main_type: str, extra: list[tuple[str, bytes]]) -> bytes:
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>'
        "</Types>"
    ).encode()
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/officeDocument" Target="{main_part}"/></Relationships>'
    ).encode()
    return _zip([("[Content_Types].xml", content_types), ("_rels/.rels", rels), *extra])


def docx(
    main_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
):
    document = (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>민원 답변</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    return _ooxml("word/document.xml", main_type, [("word/document.xml", document)])


def docm() -> bytes:
    """A macro-enabled Word document: the same zip layout, another main content type."""
    return docx("application/vnd.ms-word.document.macroEnabled.main+xml")


def xlsx() -> bytes:
    workbook = (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheets><sheet name="민원" sheetId="1"/></sheets></workbook>'
    ).encode()
    return _ooxml(
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        [("xl/workbook.xml", workbook)],
    )


def plain_zip() -> bytes:
    return _zip([("readme.txt", b"hello")])
