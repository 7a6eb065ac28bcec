"""Load and validate the YAML knowledge base: every problem becomes one KnowledgeError that names
the file, the entry, the field and, where YAML knows it, the line."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge.schema import (
    Asked,
    AskedFile,
    Entry,
    Faq,
    FaqFile,
    Meta,
    MetaFile,
    OffTopicFile,
    Places,
    PlacesFile,
    Program,
    ProgramsFile,
    Vocabulary,
    VocabularyFile,
)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
FILES = {
    "programs": "programs.yaml",
    "faq": "faq.yaml",
    "meta": "meta.yaml",
    "vocabulary": "vocabulary.yaml",
    "places": "places.yaml",
    "off_topic": "off_topic.yaml",
    "asked": "asked.yaml",
}

M = TypeVar("M", bound=BaseModel)


class KnowledgeError(Exception):
    """The knowledge base is invalid; the message says where and why in one line."""

    def __init__(
        self,
        message: str,
        *,
        file: Path | str,
        entry: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.file, self.entry, self.field, self.line = str(file), entry, field, line
        self.reason = message
        where = self.file + (f":{line}" if line else "")
        parts = [where]
        if entry:
            parts.append(f"entry {entry!r}")
        if field:
            parts.append(f"field {field!r}")
        super().__init__(", ".join(parts) + f": {message}")


@dataclass(frozen=True)
class KnowledgeBase:
    programs: tuple[Program, ...]
    faqs: tuple[Faq, ...]
    meta: Meta
    vocabulary: Vocabulary = field(repr=False)
    places: Places = field(repr=False)
    by_id: dict[str, Entry] = field(repr=False)
    off_topic: tuple[str, ...] = field(default=(), repr=False)  # examples of questions we decline
    asked: tuple[Asked, ...] = field(default=(), repr=False)  # real questions, labelled by scope

    def get(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)

    def program(self, entry_id: str) -> Program | None:
        entry = self.by_id.get(entry_id)
        return entry if isinstance(entry, Program) else None

    def faq(self, entry_id: str) -> Faq | None:
        entry = self.by_id.get(entry_id)
        return entry if isinstance(entry, Faq) else None

    @property
    def entries(self) -> tuple[Entry, ...]:
        return (*self.programs, *self.faqs)


def load(data_dir: Path | str | None = None) -> KnowledgeBase:
    """Read the knowledge files from `data_dir` and check them as a whole."""
    root = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    programs = _load_file(root / FILES["programs"], ProgramsFile).programs
    faqs = _load_file(root / FILES["faq"], FaqFile).faq
    meta = _load_file(root / FILES["meta"], MetaFile).meta
    vocabulary = _load_file(root / FILES["vocabulary"], VocabularyFile).vocabulary
    places = _load_file(root / FILES["places"], PlacesFile).places
    off_topic = _load_file(root / FILES["off_topic"], OffTopicFile).off_topic
    asked = _load_file(root / FILES["asked"], AskedFile).asked
    by_id: dict[str, Entry] = {}
    for path, entries in ((root / FILES["programs"], programs), (root / FILES["faq"], faqs)):
        for entry in entries:
            if entry.id in by_id:
                raise KnowledgeError("duplicate id", file=path, entry=entry.id, field="id")
            by_id[entry.id] = entry
    _check_related(root / FILES["faq"], faqs, by_id)
    _check_aliases(root / FILES["programs"], programs)
    _check_roles(root / FILES["meta"], meta, by_id)
    _check_categories(root / FILES["faq"], faqs, meta)
    _check_asked_once(root / FILES["asked"], asked)
    _check_asked_entries(root / FILES["asked"], asked, by_id)
    return KnowledgeBase(
        tuple(programs),
        tuple(faqs),
        meta,
        vocabulary,
        places,
        by_id,
        tuple(off_topic),
        tuple(asked),
    )


def _load_file(path: Path, model: type[M]) -> M:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KnowledgeError(f"cannot read: {exc.strerror or exc}", file=path) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        _reject_duplicate_keys(path, node)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise KnowledgeError(f"bad YAML: {exc.problem}", file=path, line=line) from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"bad YAML: {exc}", file=path) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _located(path, data, node, exc.errors()[0]) from None


def _located(path: Path, data: Any, node: yaml.Node | None, error: Any) -> KnowledgeError:
    """Turn pydantic's first error into a KnowledgeError naming entry, field and line."""
    loc = tuple(error["loc"])
    entry = None
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data, dict):
        items = data.get(loc[0])
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        entry = str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{loc[1]}"
    names = [str(part) for part in loc[2:] if not isinstance(part, int)] or [
        str(part) for part in loc[:1]
    ]
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "missing field"
    return KnowledgeError(
        message, file=path, entry=entry, field=".".join(names) or None, line=_line_of(node, loc)
    )


def _line_of(node: yaml.Node | None, loc: Sequence[Any]) -> int | None:
    """The line of the deepest YAML node along `loc` (the parent mapping for a missing key)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node = child
        line = child.start_mark.line + 1
    return line


def _child(node: yaml.Node | None, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == part:
                found: yaml.Node = (
                    value if not isinstance(value, yaml.ScalarNode) or value.value else key
                )
                return found
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item: yaml.Node = node.value[part]
        return item
    return None


def _reject_duplicate_keys(path: Path, node: yaml.Node | None) -> None:
    for mapping in _mappings(node):
        seen: set[str] = set()
        for key, _ in mapping.value:
            if key.value in seen:
                raise KnowledgeError(
                    "duplicate key", file=path, field=key.value, line=key.start_mark.line + 1
                )
            seen.add(key.value)


def _mappings(node: yaml.Node | None) -> Iterator[yaml.MappingNode]:
    if isinstance(node, yaml.MappingNode):
        yield node
        for _, value in node.value:
            yield from _mappings(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _mappings(item)


def _check_related(path: Path, faqs: Sequence[Faq], by_id: dict[str, Entry]) -> None:
    for faq in faqs:
        for ref in faq.related:
            if ref == faq.id:
                raise KnowledgeError(
                    "an entry cannot relate to itself", file=path, entry=faq.id, field="related"
                )
            if ref not in by_id:
                raise KnowledgeError(
                    f"unknown id {ref!r}", file=path, entry=faq.id, field="related"
                )


def _check_aliases(path: Path, programs: Sequence[Program]) -> None:
    owner: dict[str, str] = {}
    for program in programs:
        for alias in (program.name, *program.aliases):
            key = " ".join(alias.lower().split())
            if owner.setdefault(key, program.id) != program.id:
                raise KnowledgeError(
                    f"alias {alias!r} also names {owner[key]!r}",
                    file=path,
                    entry=program.id,
                    field="aliases",
                )


def _check_roles(path: Path, meta: Meta, by_id: dict[str, Entry]) -> None:
    """Every role names an existing entry of the kind the role needs."""
    roles = meta.roles
    wanted: list[tuple[str, str, type[Program] | type[Faq]]] = [
        *(("roles.place_fallbacks", i, Faq) for i in roles.place_fallbacks),
        *(("roles.card_followups", i, Faq) for i in roles.card_followups),
        *((f"roles.fact_faqs.{key}", i, Faq) for key, i in roles.fact_faqs.items()),
        ("roles.beyond_scope", roles.beyond_scope, Faq),
        *((f"roles.definitions.{term}", i, Faq) for term, i in roles.definitions.items()),
        *((f"roles.procedures.{verb}", i, Faq) for verb, i in roles.procedures.items()),
        *((f"roles.values.{term}", i, Faq) for term, i in roles.values.items()),
        *((f"roles.offers.{verb}", i, Faq) for verb, i in roles.offers.items()),
    ]
    for role, entry_id, kind in wanted:
        entry = by_id.get(entry_id)
        if not isinstance(entry, kind):
            problem = "unknown id" if entry is None else f"not a {kind.entry_kind} entry"
            raise KnowledgeError(f"{problem} {entry_id!r}", file=path, entry="meta", field=role)


def _check_asked_once(path: Path, asked: Sequence[Asked]) -> None:
    """A question is one example: twice, it would weigh double (or teach two scopes at once)."""
    seen: set[str] = set()
    for item in asked:
        key = " ".join(item.q.casefold().split())
        if key in seen:
            raise KnowledgeError("asked twice", file=path, entry=item.q[:60], field="q")
        seen.add(key)


def _check_asked_entries(path: Path, asked: Sequence[Asked], by_id: dict[str, Entry]) -> None:
    for item in asked:
        for entry_id in item.expect:
            if entry_id not in by_id:
                raise KnowledgeError(
                    f"unknown id {entry_id!r}", file=path, entry=item.q[:60], field="expect"
                )


def _check_categories(path: Path, faqs: Sequence[Faq], meta: Meta) -> None:
    known = {c.id for c in meta.categories}
    for faq in faqs:
        if faq.category not in known:
            raise KnowledgeError(
                f"unknown category {faq.category!r} (meta.yaml lists {', '.join(sorted(known))})",
                file=path,
                entry=faq.id,
                field="category",
            )
