"""The product definition file, pure: reading YAML or JSON with the line of every value, its shape (work
centers, tools, documents, parts with their BOMs, routings with operations and characteristics), every
error by its path and line, and writing it back; spreadsheets (a characteristic accountability list, a
BOM from PLM) read into the same shape.

An error reads `line 34: routings[0].operations[0].characteristics[0].usl: 11.97 is below lsl 11.98`.
The names a file uses may grow; these are the ones it must have (docs: README, "Set up your own product").
"""
from __future__ import annotations

import csv
import enum
import io
import re
from collections import Counter
from typing import Annotated, Any

import yaml
from pydantic import BeforeValidator, ConfigDict, Field, ValidationError

from lrip.catalog import markdown
from lrip.catalog.rules import CODE_LENGTH, CharacteristicKind, ToolCategory, Tracking, limit_problems
from lrip.errors import Invalid
from lrip.fields import IsoDate, Number, Quantity, Strict, Whole, identifier, revision, text

Path = tuple  # ('routings', 0, 'operations', 0, 'usl')


def _scalar_text(value):
    """YAML reads `number: 12345` and `revision: 1` as numbers; in this file they are names."""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _ident(what: str, length: int = 60):
    def check(value):
        found = identifier(_scalar_text(value), what)
        if len(found) > length:
            raise ValueError(f"{what} has at most {length} characters, not {len(found)}")
        return found
    return BeforeValidator(check)


def _text(what: str, length: int, single_line: bool = True):
    return BeforeValidator(lambda v: text(_scalar_text(v), what=what, max_length=length, single_line=single_line))


Code = Annotated[str, _ident("a code", CODE_LENGTH)]
PartNumber = Annotated[str, _ident("a part number")]
DocumentNumber = Annotated[str, _ident("a document number")]
Rev = Annotated[str, BeforeValidator(lambda v: _short_revision(_scalar_text(v)))]
Title = Annotated[str, _text("the name", 200)]
ShortName = Annotated[str, _text("the name", 120)]
Label = Annotated[str, _text("the text", 60)]
Tag = Annotated[str, _text("the text", 20)]
Content = Annotated[str, _text("the instruction", 200_000, single_line=False)]


def _short_revision(value) -> str:
    found = revision(value)
    if len(found) > 10:
        raise ValueError(f"a revision has at most 10 characters, not {len(found)}")
    return found


class _Entry(Strict):
    model_config = ConfigDict(extra="forbid")


class WorkCenterIn(_Entry):
    code: Code
    name: ShortName
    hours_per_day: Number
    stations: Whole = 1
    efficiency: Number = 1.0


class ToolIn(_Entry):
    code: Code
    kind: Label
    category: ToolCategory = ToolCategory.PRODUCTION
    description: Title | None = None
    calibration_due: IsoDate | None = None
    certificate: Label | None = None


class DocumentIn(_Entry):
    number: DocumentNumber
    title: Title
    revision: Rev
    content: Content
    release: bool = False


class BomLineIn(_Entry):
    part: PartNumber
    quantity: Quantity
    operation: Whole = Field(ge=1, le=100_000)


class PartIn(_Entry):
    number: PartNumber
    description: Title
    tracking: Tracking
    revision: Rev | None = None
    release: bool = False
    bom: list[BomLineIn] = []


class InstructionIn(_Entry):
    document: DocumentNumber
    revision: Rev


class CharacteristicIn(_Entry):
    code: Code
    name: ShortName
    kind: CharacteristicKind = CharacteristicKind.VARIABLE
    nominal: Number | None = None
    lsl: Number | None = None
    usl: Number | None = None
    units: Tag | None = None
    key: bool = False
    balloon: Tag | None = None
    drawing_zone: Tag | None = None
    gauge_kind: Label | None = None


class OperationIn(_Entry):
    sequence: Whole = Field(ge=1, le=100_000)
    name: ShortName
    work_center: Code
    standard_minutes: Number
    instruction: InstructionIn | None = None
    skill: Label | None = None
    tool_kinds: list[Label] = []
    characteristics: list[CharacteristicIn] = []


class RoutingIn(_Entry):
    part: PartNumber
    part_revision: Rev
    revision: Rev
    release: bool = False
    operations: list[OperationIn] = []


class ProductFile(_Entry):
    work_centers: list[WorkCenterIn] = []
    tools: list[ToolIn] = []
    documents: list[DocumentIn] = []
    parts: list[PartIn] = []
    routings: list[RoutingIn] = []


# ---------------------------------------------------------------- errors by path and line

def path_text(path: Path) -> str:
    """('routings', 0, 'operations', 1, 'usl') → 'routings[0].operations[1].usl'."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the file"


def message(path: Path, reason: str, lines: dict[Path, int]) -> str:
    """'line 34: routings[0]…usl: 11.97 is below lsl 11.98': the line of the value, or of the nearest
    record that holds it."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return f"line {lines[path[:end]]}: {path_text(path)}: {reason}"
    return f"{path_text(path)}: {reason}"


# ---------------------------------------------------------------- reading

def read(content: str | bytes, name: str = "the file") -> tuple[dict, dict[Path, int]]:
    """The file's data and the line of every path in it. YAML (JSON is YAML too); Invalid, naming the
    line, when it is neither."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid("product_file_invalid", [f"{name} is not UTF-8 text"]) from None
    lines: dict[Path, int] = {}
    errors: list[str] = []
    try:
        loader = yaml.SafeLoader(content)  # the reader refuses control characters here, before any node
        try:
            node = loader.get_single_node()
            data = _build(loader, node, (), lines, errors) if node is not None else {}
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        raise Invalid("product_file_invalid", [f"{name} is not YAML or JSON: character #x{exc.character:04x} at "
                                               f"position {exc.position} is not allowed"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise Invalid("product_file_invalid", [f"{where}{name} is not YAML or JSON: "
                                               f"{getattr(exc, 'problem', None) or exc}"]) from None
    if errors:
        raise Invalid("product_file_invalid", errors)
    if not isinstance(data, dict):
        raise Invalid("product_file_invalid", [f"{name} holds a mapping of work_centers, tools, documents, parts "
                                               "and routings"])
    return data, lines


def _build(loader, node, path: Path, lines: dict, errors: list) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                errors.append(f"line {key_node.start_mark.line + 1}: {path_text((*path, key))}: appears twice")
            out[key] = _build(loader, value_node, (*path, key), lines, errors)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), lines, errors) for i, item in enumerate(node.value)]
    return loader.construct_object(node)


# ---------------------------------------------------------------- the whole file checked

def _pydantic_reason(error: dict) -> str:
    kind, msg = error.get("type", ""), error.get("msg", "invalid").removeprefix("Value error, ")
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        return "is not a field here (check the spelling)"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "is a mapping of fields (name: value)"
    if kind == "list_type":
        return "is a list"
    return msg


def validate(data: dict, files: dict[str, bytes]) -> tuple[ProductFile | None, list[tuple[Path, str]]]:
    """The file's shape, then every rule that holds within the file: every error by its path. Each entry
    is read alone, so the rules still check the entries that are well formed when others are not; the
    product is None when any entry is not."""
    try:
        return (product := ProductFile.model_validate(data)), problems(product, files)
    except ValidationError as exc:
        errors = [(tuple(e["loc"]), _pydantic_reason(e)) for e in exc.errors()]
    if not isinstance(data, dict):
        return None, errors
    lists = {}
    for name, info in ProductFile.model_fields.items():
        model = info.annotation.__args__[0]
        entries = data.get(name) if isinstance(data.get(name), list) else []
        lists[name] = [_alone(model, entry) for entry in entries]
    return None, errors + problems(ProductFile.model_construct(**lists), files)


def _alone(model, entry):
    try:
        return model.model_validate(entry)
    except ValidationError:
        return None


def _each(entries: list) -> list[tuple[int, Any]]:
    """The well-formed entries of a list, with their places in it."""
    return [(i, e) for i, e in enumerate(entries) if e is not None]


def _twice(values: list[tuple[Path, str]], what: str) -> list[tuple[Path, str]]:
    """An error at each repeat of a value (regardless of case)."""
    seen, out = Counter(), []
    for path, value in values:
        seen[value.lower()] += 1
        if seen[value.lower()] == 2:
            out.append((path, f"{what} {value} appears twice in the file"))
    return out


def problems(p: ProductFile, files: dict[str, bytes]) -> list[tuple[Path, str]]:
    """Every rule that holds within the file (references to the database are the importer's)."""
    out: list[tuple[Path, str]] = []
    out += _twice([(("work_centers", i, "code"), w.code) for i, w in _each(p.work_centers)], "work center")
    for i, w in _each(p.work_centers):
        if not 0 < w.hours_per_day <= 24:
            out.append((("work_centers", i, "hours_per_day"), f"is between 0 and 24, not {w.hours_per_day:g}"))
        if w.stations < 1:
            out.append((("work_centers", i, "stations"), f"is at least 1, not {w.stations}"))
        if not 0 < w.efficiency <= 1:
            out.append((("work_centers", i, "efficiency"), f"is above 0 and at most 1, not {w.efficiency:g}"))
    out += _twice([(("tools", i, "code"), t.code) for i, t in _each(p.tools)], "tool")
    for i, t in _each(p.tools):
        if t.certificate and t.calibration_due is None:
            out.append((("tools", i, "calibration_due"), "is missing: a certificate goes with the date the next "
                                                         "calibration is due"))
        if t.category == ToolCategory.GAUGE and t.calibration_due is None:
            out.append((("tools", i, "calibration_due"), "is missing: a gauge is calibrated"))
    out += _twice([(("documents", i, "revision"), f"{d.number} rev {d.revision}") for i, d in _each(p.documents)],
                  "document")
    for i, d in _each(p.documents):
        wanted = {n: files[n] for n in markdown.image_names(d.content) if n in files}
        out += [(("documents", i, "content"), r) for r in markdown.image_problems(d.content, wanted)]
    out += _twice([(("parts", i, "number"), f.number) for i, f in _each(p.parts)], "part")
    tracking = {f.number.lower(): f.tracking for _, f in _each(p.parts)}
    for i, f in _each(p.parts):
        if f.bom and f.revision is None:
            out.append((("parts", i, "revision"), "is missing: a BOM belongs to a revision"))
        out += _twice([(("parts", i, "bom", j, "part"), b.part) for j, b in enumerate(f.bom)], "BOM part")
        for j, b in enumerate(f.bom):
            if b.part.lower() == f.number.lower():
                out.append((("parts", i, "bom", j, "part"), f"{f.number} cannot contain itself"))
            if tracking.get(b.part.lower()) == Tracking.SERIAL and b.quantity != int(b.quantity):
                out.append((("parts", i, "bom", j, "quantity"), f"{b.part} is serialized: a whole number, "
                                                                f"not {b.quantity:g}"))
    out += _twice([(("routings", i, "revision"), f"{r.revision} of {r.part} rev {r.part_revision}")
                   for i, r in _each(p.routings)], "routing")
    sequences = {}
    for i, r in _each(p.routings):
        here = ("routings", i)
        if not r.operations:
            out.append(((*here, "operations"), "a routing has at least one operation"))
        out += [((*here, "operations", j, "sequence"), f"operation {s} appears twice") for j, s in
                _repeats([o.sequence for o in r.operations])]
        codes = [((*here, "operations", j, "characteristics", k, "code"), c.code)
                 for j, o in enumerate(r.operations) for k, c in enumerate(o.characteristics)]
        out += _twice(codes, "characteristic")
        sequences[(r.part.lower(), r.part_revision)] = {o.sequence for o in r.operations}
        for j, o in enumerate(r.operations):
            if not o.standard_minutes > 0:
                out.append(((*here, "operations", j, "standard_minutes"), f"is positive, not {o.standard_minutes:g}"))
            for k, c in enumerate(o.characteristics):
                for field, why in limit_problems(c.kind, c.nominal, c.lsl, c.usl).items():
                    out.append(((*here, "operations", j, "characteristics", k, field), why))
                if c.kind == CharacteristicKind.ATTRIBUTE and c.units:
                    out.append(((*here, "operations", j, "characteristics", k, "units"),
                                "an attribute characteristic is pass/fail; it has no units"))
    for i, f in _each(p.parts):
        steps = sequences.get((f.number.lower(), f.revision))
        for j, b in enumerate(f.bom if steps is not None else ()):
            if b.operation not in steps:
                out.append((("parts", i, "bom", j, "operation"), f"the routing of {f.number} rev {f.revision} in the "
                                                                 f"file has no operation {b.operation}"))
    return out


def _repeats(values: list) -> list[tuple[int, Any]]:
    seen, out = set(), []
    for i, v in enumerate(values):
        if v in seen:
            out.append((i, v))
        seen.add(v)
    return out


def image_names(data: dict) -> set[str]:
    """The images the file's instructions show (to read from beside the file)."""
    return {name for d in (data.get("documents") or []) if isinstance(d, dict) and isinstance(d.get("content"), str)
            for name in markdown.image_names(d["content"])}


# ---------------------------------------------------------------- writing

class _Dumper(yaml.SafeDumper):
    """Multi-line text (an instruction) as a literal block; short records on one line read as the issue's
    example does."""


def _text_block(dumper, value: str):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _text_block)
_Dumper.add_multi_representer(enum.Enum, lambda dumper, value: _text_block(dumper, value.value))


def dump(data: dict) -> str:
    """The product file as YAML, in the order a reader expects."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def plain(model) -> dict:
    """A file entry without the fields left at their defaults (an export reads like a hand-written file)."""
    return model.model_dump(exclude_defaults=True)


# ---------------------------------------------------------------- spreadsheets

HEADERS = {
    "balloon": ("balloon", "balloon no", "balloon number", "item", "char no", "characteristic number", "#"),
    "code": ("code", "characteristic", "char", "characteristic code", "char id", "feature"),
    "name": ("name", "description", "characteristic name", "designator"),
    "nominal": ("nominal", "nom", "target"),
    "lsl": ("lsl", "lower limit", "min", "minimum", "lower spec limit"),
    "usl": ("usl", "upper limit", "max", "maximum", "upper spec limit"),
    "plus": ("plus", "tol +", "tol+", "upper tol", "upper tolerance", "+tol", "tolerance +", "plus tolerance"),
    "minus": ("minus", "tol -", "tol-", "lower tol", "lower tolerance", "-tol", "tolerance -", "minus tolerance"),
    "tolerance": ("tolerance", "tol", "±", "+/-"),
    "units": ("units", "unit", "uom"),
    "key": ("key", "kc", "key characteristic", "critical"),
    "operation": ("operation", "op", "op no", "sequence", "operation sequence"),
    "kind": ("kind", "type"),
    "drawing_zone": ("drawing zone", "zone", "sheet zone"),
    "gauge_kind": ("gauge kind", "gauge", "gage", "inspection method", "method"),
    "part": ("part", "part number", "component", "child", "item number", "pn"),
    "quantity": ("quantity", "qty", "quantity per", "qty per"),
    "tracking": ("tracking",),
}
"""A column's name as ballooning tools and PLM exports write it → the file's field."""
_ALIASES = {alias: field for field, aliases in HEADERS.items() for alias in aliases}
TRUE = {"yes", "y", "true", "1", "x", "kc", "key"}


def read_sheet(filename: str, data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The rows of an .xlsx (first sheet) or .csv file as (row number, {field: value}), the header row's
    names read as the file's fields; Invalid when it cannot be read or a column is not known."""
    if filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(filename, data)
    else:
        try:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise Invalid("sheet_invalid", [f"{filename} is not a UTF-8 CSV file: {exc}"]) from None
    numbered = [(i, r) for i, r in enumerate(rows, start=1) if any(str(c).strip() for c in r if c is not None)]
    if not numbered:
        raise Invalid("sheet_invalid", [f"{filename} has no rows"])
    header_row, header = numbered[0]
    names = [re.sub(r"\s+", " ", str(h or "").strip().lower().replace("_", " ")) for h in header]
    unknown = [h for h in names if h and h not in _ALIASES]
    if unknown:
        raise Invalid("sheet_invalid", [f"row {header_row}: column {h!r} is not one lrip reads; the columns are "
                                        + ", ".join(HEADERS) for h in unknown])
    fields = [_ALIASES.get(h) for h in names]
    out = []
    for number, row in numbered[1:]:
        values = {f: v for f, v in zip(fields, row) if f and v not in (None, "") and str(v).strip() != ""}
        out.append((number, {f: v.strip() if isinstance(v, str) else v for f, v in values.items()}))
    return out


def _xlsx_rows(filename: str, data: bytes) -> list[list]:
    # openpyxl is imported here, not at the top: it costs every `lrip` command its start-up time
    import openpyxl  # noqa: PLC0415
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise Invalid("sheet_invalid", [f"{filename} is not an Excel workbook (.xlsx): {exc}"]) from None
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _number(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    cleaned = str(value).strip().replace("±", "").replace("+/-", "")
    return float(cleaned) if re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", cleaned) else None


def characteristic_rows(rows: list[tuple[int, dict]]) -> tuple[list[tuple[int, int | None, dict]], list[str]]:
    """A characteristic accountability list as (row, operation, characteristic entry): limits from lsl/usl,
    or nominal with ±tolerance or plus/minus; every row's problem in words."""
    out, errors = [], []
    for number, r in rows:
        where = f"row {number}"
        entry = {k: r[k] for k in ("code", "name", "balloon", "units", "drawing_zone", "gauge_kind") if k in r}
        if "code" not in entry and "balloon" in r:
            entry["code"] = f"B{_scalar_text(r['balloon'])}"
        if "name" not in entry and "code" in entry:
            entry["name"] = str(entry["code"])
        bad = [k for k in ("nominal", "lsl", "usl", "plus", "minus", "tolerance") if k in r and _number(r[k]) is None]
        errors += [f"{where}: {k}: {r[k]!r} is not a number" for k in bad]
        nominal, lsl, usl = _number(r.get("nominal")), _number(r.get("lsl")), _number(r.get("usl"))
        tol, plus, minus = _number(r.get("tolerance")), _number(r.get("plus")), _number(r.get("minus"))
        if nominal is not None and lsl is None and usl is None:
            if tol is not None:
                lsl, usl = nominal - abs(tol), nominal + abs(tol)
            elif plus is not None or minus is not None:
                usl = nominal + abs(plus) if plus is not None else None
                lsl = nominal - abs(minus) if minus is not None else None
        entry.update({k: v for k, v in (("nominal", nominal), ("lsl", lsl), ("usl", usl)) if v is not None})
        kind = str(r.get("kind", "")).strip().lower()
        entry["kind"] = kind or ("attribute" if nominal is None and lsl is None and usl is None else "variable")
        if "key" in r:
            entry["key"] = str(r["key"]).strip().lower() in TRUE
        operation = None
        if "operation" in r:
            try:
                operation = int(float(str(r["operation"]).strip()))
            except ValueError:
                errors.append(f"{where}: operation: {r['operation']!r} is not an operation number")
        else:
            errors.append(f"{where}: operation: is missing")
        out.append((number, operation, entry))
    return out, errors


def bom_rows(rows: list[tuple[int, dict]]) -> tuple[list[tuple[int, dict, dict]], list[str]]:
    """A BOM from PLM as (row, BOM line entry, the part's description and tracking when the row gives
    them: a part not yet known is created from them)."""
    out, errors = [], []
    for number, r in rows:
        entry = {k: r[k] for k in ("part", "operation") if k in r}
        if "quantity" in r:
            entry["quantity"] = _number(r["quantity"])
            if entry["quantity"] is None:
                errors.append(f"row {number}: quantity: {r['quantity']!r} is not a number")
        if isinstance(entry.get("operation"), float) and entry["operation"] == int(entry["operation"]):
            entry["operation"] = int(entry["operation"])
        part = {"description": r["name"]} if "name" in r else {}
        part |= {"tracking": str(r["tracking"]).strip().lower()} if "tracking" in r else {}
        out.append((number, entry, part))
    return out, errors
