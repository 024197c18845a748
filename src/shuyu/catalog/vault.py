"""The vault (第四条): each load of a resource becomes an immutable Parquet part under data_dir()/vault.

Loading streams through DuckDB with a memory cap, so a file larger than memory loads. Nothing is partially
loaded: the part is written to a temporary file in the vault, checked (types, required values, keys,
row count), hashed, and only then renamed into place. Errors name the row, the column and the rule, and
never repeat a value (a bad cell may be an ID number): DuckDB's own messages, which quote rows, are never
shown.

This module does I/O only; the services decide who may load and record the version.
"""

import codecs
import contextlib
import csv
import ctypes
import datetime as dt
import errno
import hashlib
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from shuyu.core import config
from shuyu.core.errors import DomainError

DEFAULT_MEMORY_LIMIT = "512MB"
SAMPLE_BYTES = 1 << 16
CHUNK = 1 << 20
FORMATS = ("csv", "xlsx", "parquet")
Progress = Callable[[float], None]

_DUCK_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "boolean": "BOOLEAN",
}
_ERROR_LABELS = {
    "CAST": ("值不符合字段类型", "value does not match the field type"),
    "MISSING COLUMNS": ("该行列数不足", "the row has too few columns"),
    "TOO MANY COLUMNS": ("该行列数过多", "the row has too many columns"),
    "UNQUOTED VALUE": ("引号不匹配", "unbalanced quotes"),
    "LINE SIZE OVER MAXIMUM": ("行过长", "line too long"),
    "INVALID ENCODING": ("字符编码无效", "invalid character encoding"),
    "INVALID STATE": ("CSV格式错误", "malformed CSV"),
}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    label: str
    type: str
    scale: int = 2
    required: bool = False
    is_key: bool = False

    @property
    def duck_type(self) -> str:
        if self.type == "decimal":
            return f"DECIMAL(18,{self.scale})"
        return _DUCK_TYPES[self.type]


@dataclass(frozen=True)
class LoadedPart:
    path: str  # relative to the vault root
    sha256: str
    rows: int
    source_format: str
    encoding: str


def root() -> Path:
    path = config.data_dir() / "vault"
    path.mkdir(parents=True, exist_ok=True)
    return path


def absolute(relpath: str) -> Path:
    return root() / relpath


def _fail(zh: str, en: str, **ctx) -> DomainError:
    return DomainError("R23.1", zh, en, **ctx)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def manifest_hash(parts: list[dict]) -> str:
    """The 存证 manifest: SHA-256 over the ordered parts' hashes and row counts (N-REG.5)."""
    lines = "".join(f"{p['sha256']} {p['rows']}\n" for p in parts)
    return hashlib.sha256(lines.encode()).hexdigest()


# ---------------------------------------------------------------- format and encoding detection


def detect_format(path: Path, declared: str | None) -> str:
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        raise _fail("文件为空", "the file is empty")
    fmt = (declared or path.suffix.lstrip(".")).lower()
    if fmt in ("txt", "tsv"):
        fmt = "csv"
    if fmt not in FORMATS:
        raise _fail(f"不支持的文件格式：{fmt}（支持 CSV、xlsx、Parquet）", f"unsupported format {fmt}")
    if fmt == "xlsx" and not head.startswith(b"PK\x03\x04"):
        raise _fail(
            "文件不是有效的 Excel（.xlsx）文件（可能是改了扩展名的网页或其他文件）", "not a real .xlsx file"
        )
    if fmt == "parquet" and not head.startswith(b"PAR1"):
        raise _fail("文件不是有效的 Parquet 文件", "not a Parquet file")
    return fmt


def _first_bad_line(path: Path, encoding: str) -> int | None:
    """The 1-based line of the first byte sequence that does not decode, or None."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line = 1
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as e:
                return line + chunk[: e.start].count(b"\n")
            line += text.count("\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return line
    return None


def detect_encoding(path: Path, declared: str | None) -> str:
    """utf-8 or gb18030 (a superset of GBK); a declared encoding that does not fit is refused with its line."""
    if declared:
        enc = codecs.lookup(declared).name  # 'gbk' → 'gbk', 'UTF8' → 'utf-8'
        if enc in ("gbk", "gb2312", "gb18030"):
            return "gb18030"  # checked while it is transcoded (one pass, the line named): see _transcode
        bad = _first_bad_line(path, enc)
        if bad is not None:
            hint = "；文件可能为 GBK/GB18030 编码" if enc == "utf-8" else ""
            raise _fail(
                f"文件声明为 {declared} 编码，但第{bad}行不是有效的 {declared} 字符{hint}",
                f"the file is declared {declared} but line {bad} does not decode",
                line=bad,
            )
        return enc
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")("strict").decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError as e:
        raise _fail(
            "无法识别文件编码（支持 UTF-8、GBK/GB18030）", "unknown encoding (UTF-8, GBK/GB18030)"
        ) from e


# ---------------------------------------------------------------- conversion to UTF-8 CSV (streaming)

TRANSCODE_CHUNK = 1 << 22
# None: one range per core (at most 4) for files of 32 MiB and more. Measured on the 2-core machine when
# it was quiet: two threads transcode 696 MiB in 0.86–0.9 s instead of 2.0–2.3 s (bench/catalog/README.md).
TRANSCODE_PARTS: int | None = None
_PARALLEL_MIN_BYTES = 32 << 20  # below this one thread: splitting would cost more than it saves
_ICONV_FAILED = ctypes.c_size_t(-1).value


class _Iconv:
    """GB18030 → UTF-8 by the C library's iconv through ctypes (glibc, musl).

    About 3× Python's gb18030 codec, and it writes UTF-8 bytes directly (no str in between). ctypes releases
    the GIL during the call, so the parts of a large file convert in parallel threads. glibc follows
    GB18030-2005/2022: 26 two-byte codes that GB18030-2000 (and Python) map to the private use area decode
    to their standard characters, and the 18 four-byte codes it no longer accepts are decoded by Python's
    codec, so exactly the files Python accepts are accepted. `open` returns None where the C library has no
    iconv or no GB18030; Python's codec is then used.
    """

    _lib = None
    enabled = True  # off: Python's codec (the fallback, tested)

    @classmethod
    def open(cls, encoding: str) -> "_Iconv | None":
        if cls._lib is None:
            try:
                lib = ctypes.CDLL(None, use_errno=True)
                lib.iconv_open.restype = ctypes.c_void_p
                lib.iconv_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
                lib.iconv.restype = ctypes.c_size_t
                pp, sp = ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t)
                lib.iconv.argtypes = [ctypes.c_void_p, pp, sp, pp, sp]
                lib.iconv_close.argtypes = [ctypes.c_void_p]
            except (OSError, AttributeError):
                lib = False
            cls._lib = lib
        if not (cls.enabled and cls._lib) or encoding != "gb18030":
            return None
        cd = cls._lib.iconv_open(b"UTF-8", b"GB18030")
        if cd is None or cd == _ICONV_FAILED:
            return None
        return cls(cls._lib, cd)

    def __init__(self, lib, cd) -> None:
        self.lib, self.cd = lib, cd
        self.cap = 2 * TRANSCODE_CHUNK + 64  # GB18030 → UTF-8 grows at most 1.5×; E2BIG is handled anyway
        self.out = ctypes.create_string_buffer(self.cap)
        self.addr = ctypes.addressof(self.out)
        self.view = memoryview(self.out).cast("B")

    def close(self) -> None:
        self.view.release()
        self.lib.iconv_close(self.cd)

    def convert(self, data: bytes, write: Callable) -> tuple[int, bool]:
        """Convert `data`, writing UTF-8. Returns (bytes consumed, stopped at an invalid sequence): fewer
        bytes are consumed when `data` ends inside a multibyte sequence (kept for the next block)."""
        n, pos = len(data), 0
        keep = ctypes.c_char_p(data)  # points into `data` itself, no copy
        base = ctypes.cast(keep, ctypes.c_void_p).value
        while pos < n:
            inp, inleft = ctypes.c_char_p(base + pos), ctypes.c_size_t(n - pos)
            outp, outleft = ctypes.c_char_p(self.addr), ctypes.c_size_t(self.cap)
            r = self.lib.iconv(
                self.cd, ctypes.byref(inp), ctypes.byref(inleft), ctypes.byref(outp), ctypes.byref(outleft)
            )
            err = ctypes.get_errno() if r == _ICONV_FAILED else 0
            if outleft.value != self.cap:
                write(self.view[: self.cap - outleft.value])
            pos = n - inleft.value
            if r != _ICONV_FAILED or err == errno.E2BIG:
                continue
            if err != errno.EILSEQ:
                return pos, False  # EINVAL: the block ends inside a sequence
            for k in (4, 2, 1):
                try:
                    text = data[pos : pos + k].decode("gb18030")
                except UnicodeDecodeError:
                    continue
                if len(text) == 1:
                    write(text.encode("utf-8"))
                    pos += k
                    break
            else:
                return pos, True
        return n, False


def _split_at_newlines(src: Path, parts: int, size: int) -> list[tuple[int, int]]:
    """Byte ranges that start after a newline. In GB18030 (as in UTF-8) the byte 0x0A is never part of a
    multibyte sequence (second bytes are 0x40–0xFE, four-byte codes use 0x30–0x39 and 0x81–0xFE), so a
    range boundary is always a character boundary. CSV quoting does not matter: transcoding the ranges one
    by one and concatenating gives the same bytes as transcoding the file in one go."""
    cuts = [0]
    with open(src, "rb") as f:
        for k in range(1, parts):
            f.seek(max(k * size // parts, cuts[-1]))
            block = f.read(1 << 20)
            nl = block.find(b"\n")
            if nl < 0:
                break
            cut = f.tell() - len(block) + nl + 1
            if cut >= size:
                break
            cuts.append(cut)
    cuts.append(size)
    return list(zip(cuts, cuts[1:], strict=False))


def _transcode_range(
    src: Path, dst: Path, encoding: str, start: int, end: int, chunk: int, on_block: Callable | None = None
) -> int | None:
    """Transcode src[start:end] into dst; the absolute offset of the first undecodable byte, or None."""
    conv = _Iconv.open(encoding)
    decoder = None if conv else codecs.getincrementaldecoder(encoding)("strict")
    offset, carry = start, b""  # offset: the source position of carry[0]
    try:
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            fin.seek(start)
            remaining = end - start
            while remaining:
                block = fin.read(min(chunk, remaining))
                if not block:
                    break
                remaining -= len(block)
                if conv is not None:
                    data = carry + block if carry else block
                    used, bad = conv.convert(data, fout.write)
                    if bad:
                        return offset + used
                    carry = data[used:]
                    offset += used
                else:
                    pending = len(decoder.getstate()[0])
                    try:
                        fout.write(decoder.decode(block).encode("utf-8"))
                    except UnicodeDecodeError as e:
                        return offset - pending + e.start
                    offset += len(block)
                if on_block:
                    on_block(len(block))
            if carry:
                return offset
            if decoder is not None:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    return offset - len(decoder.getstate()[0])
    finally:
        if conv is not None:
            conv.close()
    return None


def _line_at(src: Path, offset: int) -> int:
    """The 1-based line of the byte at `offset` (only computed for an error: a count over the file head)."""
    line, left = 1, offset
    with open(src, "rb") as f:
        while left > 0 and (block := f.read(min(CHUNK, left))):
            line += block.count(b"\n")
            left -= len(block)
    return line


def _append(dst: Path, parts: list[Path]) -> None:
    with open(dst, "ab") as fout:
        for p in parts:
            with open(p, "rb") as fin:
                size = os.fstat(fin.fileno()).st_size
                try:
                    copied = 0
                    while copied < size:
                        n = os.copy_file_range(fin.fileno(), fout.fileno(), size - copied)
                        if n == 0:
                            break
                        copied += n
                except (AttributeError, OSError):
                    fin.seek(copied)
                    fout.seek(0, os.SEEK_END)
                    shutil.copyfileobj(fin, fout, CHUNK)
            p.unlink()


def _transcode(
    src: Path,
    dst: Path,
    encoding: str,
    progress: Progress | None,
    *,
    declared: str | None = None,
    parts: int | None = None,
    chunk: int = TRANSCODE_CHUNK,
) -> None:
    """Stream `src` into `dst` as UTF-8 in blocks. A large file on a machine with cores to spare is cut at
    newlines into ranges converted in threads and concatenated; the first undecodable byte is reported by
    its line (the earliest range's error wins)."""
    size = src.stat().st_size
    parts = parts or TRANSCODE_PARTS
    if parts is None:
        parts = min(max(os.cpu_count() or 1, 1), 4) if size >= _PARALLEL_MIN_BYTES else 1
    ranges = _split_at_newlines(src, max(parts, 1), size)
    outs = [dst] + [dst.with_name(f"{dst.name}.{i}") for i in range(1, len(ranges))]
    results: list = [None] * len(ranges)

    def run(i: int) -> None:
        try:
            results[i] = _transcode_range(src, outs[i], encoding, *ranges[i], chunk)
        except BaseException as e:  # re-raised in the caller's thread
            results[i] = e

    done = [0]
    share = (ranges[0][1] - ranges[0][0]) or 1

    def on_block(n: int) -> None:  # progress from the caller's thread only
        done[0] += n
        progress(0.3 * min(done[0] / share, 1.0))

    workers = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(1, len(ranges))]
    for w in workers:
        w.start()
    try:
        results[0] = _transcode_range(src, dst, encoding, *ranges[0], chunk, on_block if progress else None)
    finally:
        for w in workers:
            w.join()
    for r in results:
        if isinstance(r, BaseException):
            raise r
    bad = next((r for r in results if r is not None), None)
    if bad is not None:
        line = _line_at(src, bad)
        name = declared or encoding
        pre = f"文件声明为 {declared} 编码，但" if declared else ""
        raise _fail(
            f"{pre}第{line}行不是有效的 {name} 字符",
            f"line {line} does not decode as {name}",
            line=line,
        )
    _append(dst, outs[1:])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_to_csv(src: Path, dst: Path, sheet: str | None) -> None:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(src, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as e:
        raise _fail("Excel 文件已损坏或不是有效的 .xlsx 文件", "the Excel file is broken or not .xlsx") from e
    try:
        if sheet and sheet not in wb.sheetnames:
            raise _fail(f"Excel 中没有工作表「{sheet}」", f"no sheet named {sheet}")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        with open(dst, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            for row in ws.iter_rows(values_only=True):  # read-only mode streams rows
                writer.writerow([_cell(v) for v in row])
    finally:
        wb.close()


# ---------------------------------------------------------------- header mapping


def _read_header(csv_path: Path) -> list[str]:
    with open(csv_path, encoding="utf-8-sig", newline="") as f:
        try:
            header = next(csv.reader(f))
        except StopIteration:
            raise _fail("文件为空", "the file is empty") from None
    # Excel pads short rows; trailing empty header cells are not columns.
    while header and not header[-1].strip():
        header.pop()
    return [h.strip() for h in header]


def map_header(header: list[str], columns: list[ColumnSpec]) -> list[ColumnSpec]:
    """Each header cell to its registered field (by field name or Chinese label); all fields present once."""
    if not header:
        raise _fail("文件没有表头", "the file has no header row")
    by_key = {c.name.lower(): c for c in columns} | {c.label: c for c in columns if c.label}
    mapped: list[ColumnSpec] = []
    for i, h in enumerate(header, start=1):
        col = by_key.get(h.lower()) or by_key.get(h)
        if col is None:
            raise _fail(
                f"第{i}列「{h}」不是该资源登记的字段", f"column {i} ({h}) is not a registered field", column=h
            )
        if col in mapped:
            raise _fail(f"第{i}列「{h}」重复", f"column {i} ({h}) appears twice", column=h)
        mapped.append(col)
    missing = [c.name for c in columns if c not in mapped]
    if missing:
        raise _fail(
            f"文件缺少登记的字段：{'、'.join(missing)}", f"missing registered fields: {', '.join(missing)}"
        )
    return mapped


# ---------------------------------------------------------------- the load


def _row_group_size(memory_limit: str) -> int:
    """Smaller row groups under a tight memory cap: the writer buffers one group per thread."""
    units = {"KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}
    text = memory_limit.strip().upper().replace("IB", "B")
    for suffix, factor in units.items():
        if text.endswith(suffix):
            limit = float(text[: -len(suffix)]) * factor
            return 20_000 if limit <= 64 * 2**20 else 122_880
    return 122_880


def _connect(memory_limit: str, tmp: Path, threads: int | None) -> duckdb.DuckDBPyConnection:
    cfg = {
        "memory_limit": memory_limit,
        "temp_directory": str(tmp),
        "preserve_insertion_order": True,  # row numbers in errors follow the file
        "enable_external_access": True,
    }
    if threads:
        cfg["threads"] = threads
    return duckdb.connect(config=cfg)


@contextlib.contextmanager
def _polling(
    con: duckdb.DuckDBPyConnection, progress: Progress | None, lo: float, hi: float
) -> Iterator[None]:
    if progress is None:
        yield
        return
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.2):
            with contextlib.suppress(Exception):
                p = con.query_progress()
                if p and p > 0:
                    progress(lo + (hi - lo) * min(p, 100.0) / 100.0)

    t = threading.Thread(target=poll, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join()


def _check_rejects(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "SELECT line, column_name, error_type::VARCHAR FROM reject_errors ORDER BY line, column_idx LIMIT 1"
    ).fetchone()
    if row is None:
        return
    line, column, kind = row
    zh, en = _ERROR_LABELS.get(kind, ("数据格式错误", "malformed data"))
    count = con.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()[0]
    where_zh = f"第{line - 1}条数据（文件第{line}行）" + (f"「{column}」列" if column else "")
    where_en = f"data row {line - 1} (file line {line})" + (f", column {column}" if column else "")
    raise _fail(
        f"{where_zh}：{zh}；共{count}行有误，未加载任何数据",
        f"{where_en}: {en}; {count} bad rows, nothing loaded",
        row=line - 1,
        column=column,
    )


def _check_rows(
    con: duckdb.DuckDBPyConnection, tmp_part: str, columns: list[ColumnSpec], previous: list[str]
) -> None:
    src = f"read_parquet({_lit(tmp_part)}, file_row_number=true)"
    for c in columns:
        if not c.required:
            continue
        row = con.execute(f"SELECT min(file_row_number) FROM {src} WHERE {_q(c.name)} IS NULL").fetchone()[0]
        if row is not None:
            raise _fail(
                f"第{row + 1}条数据「{c.name}」列：必填字段为空，未加载任何数据",
                f"data row {row + 1}, column {c.name}: required value is empty; nothing loaded",
                row=row + 1,
                column=c.name,
            )
    keys = [c.name for c in columns if c.is_key]
    if not keys:
        return
    cols = ", ".join(_q(k) for k in keys)
    row = con.execute(
        f"SELECT min(file_row_number) FROM (SELECT file_row_number, row_number() OVER "
        f"(PARTITION BY {cols} ORDER BY file_row_number) AS rn FROM {src}) WHERE rn = 2"
    ).fetchone()[0]
    if row is None and previous:
        old = f"read_parquet([{', '.join(_lit(p) for p in previous)}])"
        row = con.execute(
            f"SELECT min(n.file_row_number) FROM {src} AS n SEMI JOIN {old} AS o USING ({cols})"
        ).fetchone()[0]
    if row is not None:
        raise _fail(
            f"第{row + 1}条数据：主键（{'、'.join(keys)}）重复，未加载任何数据",
            f"data row {row + 1}: duplicate key ({', '.join(keys)}); nothing loaded",
            row=row + 1,
            column=",".join(keys),
        )


def load(
    *,
    source: Path,
    resource_code: str,
    columns: list[ColumnSpec],
    fmt: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    previous_parts: list[str] = (),
    progress: Progress | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int | None = None,
) -> LoadedPart:
    """Load `source` as a new Parquet part of `resource_code`; nothing is left behind when it fails."""
    source = Path(source)
    if not source.is_file():
        raise _fail("找不到要加载的文件", "source file not found")
    fmt = detect_format(source, fmt)
    vault = root()
    work = vault / ".tmp" / uuid.uuid4().hex
    work.mkdir(parents=True)
    target_dir = vault / resource_code
    target_dir.mkdir(exist_ok=True)
    tmp_part = work / "part.parquet"
    try:
        con = _connect(memory_limit, work, threads)
        try:
            enc = ""
            if fmt == "parquet":
                select = _parquet_select(con, source, columns)
            else:
                csv_path, enc = _as_utf8_csv(source, fmt, encoding, sheet, work, progress)
                select = _csv_select(csv_path, columns)
            with _polling(con, progress, 0.3, 0.9):
                con.execute(
                    f"COPY ({select}) TO {_lit(tmp_part)} "
                    f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {_row_group_size(memory_limit)})"
                )
            if fmt != "parquet":
                _check_rejects(con)
            previous = [str(vault / p) for p in previous_parts]
            _check_rows(con, str(tmp_part), columns, previous)
            rows = con.execute(f"SELECT count(*) FROM read_parquet({_lit(tmp_part)})").fetchone()[0]
            loaded = [
                r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(tmp_part)})").fetchall()
            ]
        finally:
            con.close()
        if loaded != [c.name for c in columns]:
            raise RuntimeError("vault part does not have the registered columns")  # our bug, never user's
        if rows == 0:
            raise _fail("文件中没有数据行", "the file has no data rows")
        digest = sha256_of(tmp_part)
        stamp = f"{uuid.uuid4().hex[:12]}"
        final = target_dir / f"{digest[:16]}-{stamp}.parquet"
        os.replace(tmp_part, final)  # atomic within the vault's file system
        final.chmod(0o444)
        if progress:
            progress(1.0)
        return LoadedPart(
            path=str(final.relative_to(vault)), sha256=digest, rows=rows, source_format=fmt, encoding=enc
        )
    except duckdb.Error as e:
        # DuckDB's message may quote a row; keep only its class.
        raise _fail(
            f"数据无法加载（{type(e).__name__}），未加载任何数据",
            f"the data could not be loaded ({type(e).__name__})",
        ) from None
    finally:
        _rmtree(work)


def _rmtree(path: Path) -> None:
    if not path.exists():
        return
    for p in sorted(path.rglob("*"), reverse=True):
        p.unlink() if p.is_file() or p.is_symlink() else p.rmdir()
    path.rmdir()


def _as_utf8_csv(
    source: Path, fmt: str, encoding: str | None, sheet: str | None, work: Path, progress: Progress | None
) -> tuple[Path, str]:
    if fmt == "xlsx":
        out = work / "sheet.csv"
        _xlsx_to_csv(source, out, sheet)
        return out, "xlsx"
    enc = detect_encoding(source, encoding)
    if enc == "utf-8":
        return source, enc
    out = work / "utf8.csv"
    _transcode(source, out, enc, progress, declared=encoding)
    return out, enc


def _csv_select(csv_path: Path, columns: list[ColumnSpec]) -> str:
    header = _read_header(csv_path)
    mapped = map_header(header, columns)
    # Header cells may be Chinese labels: DuckDB reads positionally with our names and types.
    spec = ", ".join(f"{_lit(c.name)}: {_lit(c.duck_type)}" for c in mapped)
    names = ", ".join(_q(c.name) for c in columns)  # stored in the registered order
    return (
        f"SELECT {names} FROM read_csv({_lit(csv_path)}, header=true, auto_detect=false, delim=',', "
        f"quote='\"', escape='\"', columns={{{spec}}}, store_rejects=true, buffer_size=4194304, "
        f"dateformat='%Y-%m-%d', timestampformat='%Y-%m-%d %H:%M:%S', null_padding=false, strict_mode=true)"
    )


def _parquet_select(con: duckdb.DuckDBPyConnection, source: Path, columns: list[ColumnSpec]) -> str:
    src = f"read_parquet({_lit(source)}, file_row_number=true)"
    try:
        header = [
            r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(source)})").fetchall()
        ]
    except duckdb.Error as e:
        raise _fail("Parquet 文件已损坏", "the Parquet file is broken") from e
    mapped = map_header(header, columns)
    source_name = {c.name: h for c, h in zip(mapped, header, strict=True)}
    checks = ", ".join(
        f"min(CASE WHEN {_q(source_name[c.name])} IS NOT NULL AND "
        f"TRY_CAST({_q(source_name[c.name])} AS {c.duck_type}) IS NULL THEN file_row_number END)"
        for c in columns
    )
    bad = con.execute(f"SELECT {checks} FROM {src}").fetchone()
    for c, row in zip(columns, bad, strict=True):
        if row is not None:
            raise _fail(
                f"第{row + 1}条数据「{c.name}」列：值不符合字段类型，未加载任何数据",
                f"data row {row + 1}, column {c.name}: value does not match the field type; nothing loaded",
                row=row + 1,
                column=c.name,
            )
    names = ", ".join(f"CAST({_q(source_name[c.name])} AS {c.duck_type}) AS {_q(c.name)}" for c in columns)
    return f"SELECT {names} FROM read_parquet({_lit(source)})"


def export_postgres_table(url: str, table: str, dst: Path) -> None:
    """Stream a PostgreSQL table to a UTF-8 CSV with header (COPY … TO STDOUT), for `load`."""
    import re

    import psycopg
    from psycopg import sql

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?", table):
        raise _fail("表名不合规范（schema.table）", "table must be schema.table")
    ident = sql.Identifier(*table.split("."))
    try:
        with psycopg.connect(url, connect_timeout=10) as conn, conn.cursor() as cur, open(dst, "wb") as f:
            query = sql.SQL(
                "COPY (SELECT * FROM {}) TO STDOUT WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')"
            )
            with cur.copy(query.format(ident)) as copy:
                for block in copy:
                    f.write(block)
    except psycopg.Error as e:
        raise _fail(
            f"无法从 PostgreSQL 读取该表（{type(e).__name__}）", f"cannot read the table ({type(e).__name__})"
        ) from None


def sample_columns(
    path: Path, *, encoding: str | None = None, rows: int = 1000
) -> tuple[list[str], list[list[str]]]:
    """The header and up to `rows` values per column of a local CSV/xlsx file, for the sensitivity detector.

    The values stay in the caller's process (the detector reads them, returns only suggestions)."""
    path = Path(path)
    fmt = detect_format(path, None)
    if fmt == "parquet":
        con = duckdb.connect()
        try:
            rel = con.execute(f"SELECT * FROM read_parquet({_lit(path)}) LIMIT {int(rows)}")
            header = [d[0] for d in rel.description]
            data = rel.fetchall()
        finally:
            con.close()
        return header, [[None if r[i] is None else str(r[i]) for r in data] for i in range(len(header))]
    work = root() / ".tmp" / uuid.uuid4().hex
    work.mkdir(parents=True)
    try:
        csv_path, _ = _as_utf8_csv(path, fmt, encoding, None, work, None)
        with open(csv_path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            columns: list[list[str]] = [[] for _ in header]
            for n, row in enumerate(reader):
                if n >= rows:
                    break
                for i, value in enumerate(row[: len(header)]):
                    columns[i].append(value)
        return header, columns
    finally:
        _rmtree(work)


SAMPLE_ROWS = 10_000


def sample_parts(
    parts: list[Path], names: list[str], *, rows: int = SAMPLE_ROWS, memory_limit: str = DEFAULT_MEMORY_LIMIT
) -> tuple[int, dict[str, list[str | None]]]:
    """A reservoir sample (fixed seed) of up to `rows` rows of a version's parts, as text per column.

    For the sensitivity detector, which runs here, inside the domain: the values are read in this process
    and only the detector's counts leave it (`services.suggest_field_sensitivity`)."""
    con = duckdb.connect(config={"memory_limit": memory_limit, "enable_external_access": True})
    try:
        cols = ", ".join(f"CAST({_q(n)} AS VARCHAR)" for n in names)
        files = ", ".join(_lit(p) for p in parts)
        data = con.execute(
            f"SELECT {cols} FROM read_parquet([{files}]) USING SAMPLE reservoir({int(rows)} ROWS) REPEATABLE (42)"
        ).fetchall()
    finally:
        con.close()
    return len(data), {n: [r[i] for r in data] for i, n in enumerate(names)}
