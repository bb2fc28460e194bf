"""Question banks: TOML files of questions, each with a target length and a rubric.

The bundled banks live in ``prompts/`` (shipped as ``voicecoach._prompts``); a user adds their own
by putting ``*.toml`` files in ``<VOICECOACH_HOME>/prompts/`` or passing ``--bank FILE``. A later
bank may redefine a question id (the user's version wins). A malformed bank raises a
QuestionError that names the file, the entry and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import tomllib

from voicecoach import paths
from voicecoach.errors import QuestionError

CATEGORIES = ("general", "motivation", "technical", "design", "behavioral")


@dataclass(frozen=True)
class RubricItem:
    """One point a strong answer makes.

    Attributes:
        id: short identifier, unique within the question.
        description: what the point is, in a sentence.
        examples: ways a speaker might say it (matched by meaning, not by words).
        keywords: words or short phrases that are evidence for it.
        follow_up: what an interviewer asks when an answer leaves this point out (`voicecoach
            interview`); empty if none.
    """

    id: str
    description: str
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    follow_up: str = ""


@dataclass(frozen=True)
class Question:
    """An interview question.

    Attributes:
        id: identifier used on the command line ("tell-me-about-yourself").
        text: the question as asked.
        category: one of CATEGORIES.
        target_min_s / target_max_s: the target answer length, inclusive.
        rubric: the points to cover.
        guidance: one or two sentences on what a good answer does.
        source: the bank file it came from.
    """

    id: str
    text: str
    category: str
    target_min_s: float
    target_max_s: float
    rubric: tuple[RubricItem, ...]
    guidance: str = ""
    source: str = ""


def _err(file: str, where: str, msg: str) -> QuestionError:
    return QuestionError(f"{file}: {where}: {msg}")


def _field(d: dict, key: str, typ, file: str, where: str, required: bool = True, default=None):
    if key not in d:
        if required:
            raise _err(file, where, f"missing field '{key}'")
        return default
    v = d[key]
    if typ is float and isinstance(v, int) and not isinstance(v, bool):
        v = float(v)
    if not isinstance(v, typ) or isinstance(v, bool) and typ is not bool:
        raise _err(file, where, f"field '{key}' must be {typ.__name__}, not {type(v).__name__}")
    if typ is str and not v.strip() and required:
        raise _err(file, where, f"field '{key}' is empty")
    return v


def _str_list(d: dict, key: str, file: str, where: str) -> tuple[str, ...]:
    v = d.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise _err(file, where, f"field '{key}' must be a list of non-empty strings")
    return tuple(v)


def parse_bank(text: str, file: str) -> list[Question]:
    """Parse and validate one bank's TOML text (``file`` names it in error messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise QuestionError(f"{file}: not valid TOML ({e})") from e
    qs = data.get("questions")
    if not isinstance(qs, list) or not qs:
        raise QuestionError(f"{file}: no [[questions]] entries")
    out: list[Question] = []
    seen: set[str] = set()
    for n, q in enumerate(qs, 1):
        where = f"question {n}"
        qid = _field(q, "id", str, file, where)
        where = f"question '{qid}'"
        if qid in seen:
            raise _err(file, where, "duplicate id")
        seen.add(qid)
        category = _field(q, "category", str, file, where)
        if category not in CATEGORIES:
            raise _err(file, where, f"field 'category' must be one of {', '.join(CATEGORIES)}, not '{category}'")
        tmin = _field(q, "target_min_s", float, file, where)
        tmax = _field(q, "target_max_s", float, file, where)
        if not 0 < tmin <= tmax:
            raise _err(
                file,
                where,
                f"fields 'target_min_s'/'target_max_s' must satisfy 0 < min <= max (got {tmin:g}, {tmax:g})",
            )
        rubric_raw = q.get("rubric", [])
        if not isinstance(rubric_raw, list):
            raise _err(file, where, "field 'rubric' must be a list of [[questions.rubric]] tables")
        items, ids = [], set()
        for m, r in enumerate(rubric_raw, 1):
            rwhere = f"{where}, rubric item {m}"
            if not isinstance(r, dict):
                raise _err(file, rwhere, "must be a table")
            rid = _field(r, "id", str, file, rwhere)
            rwhere = f"{where}, rubric item '{rid}'"
            if rid in ids:
                raise _err(file, rwhere, "duplicate id")
            ids.add(rid)
            items.append(
                RubricItem(
                    id=rid,
                    description=_field(r, "description", str, file, rwhere),
                    examples=_str_list(r, "examples", file, rwhere),
                    keywords=_str_list(r, "keywords", file, rwhere),
                    follow_up=_field(r, "follow_up", str, file, rwhere, required=False, default=""),
                )
            )
        out.append(
            Question(
                id=qid,
                text=_field(q, "text", str, file, where),
                category=category,
                target_min_s=tmin,
                target_max_s=tmax,
                rubric=tuple(items),
                guidance=_field(q, "guidance", str, file, where, required=False, default=""),
                source=file,
            )
        )
    return out


def load_bank(path: str | Path) -> list[Question]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise QuestionError(f"{path}: no such question bank") from e
    except (OSError, UnicodeDecodeError) as e:
        raise QuestionError(f"{path}: cannot read question bank ({e})") from e
    return parse_bank(text, str(path))


def load_all(extra_banks: list[str | Path] = ()) -> dict[str, Question]:
    """Bundled banks, then the user's prompts folder, then ``extra_banks``; later ids win."""
    out: dict[str, Question] = {}
    bundled = resources.files("voicecoach._prompts")
    for entry in sorted(bundled.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            for q in parse_bank(entry.read_text("utf-8"), f"prompts/{entry.name}"):
                out[q.id] = q
    user_dir = paths.user_prompts_dir()
    files = sorted(user_dir.glob("*.toml")) if user_dir.is_dir() else []
    for f in [*files, *map(Path, extra_banks)]:
        for q in load_bank(f):
            out[q.id] = q
    return out


# A follow-up is a question of its own: "<question id>~<rubric item id>" (voicecoach.interview)
FOLLOW_UP_SEP = "~"
FOLLOW_UP_MIN_S, FOLLOW_UP_MAX_S = 30.0, 90.0  # a follow-up's answer is short: the one point it asks for


def follow_up(question: Question, item: RubricItem) -> Question:
    """The follow-up ``item`` asks after ``question``: its text, a 30-90 s target, and ``item`` as its
    only rubric point."""
    return Question(
        id=f"{question.id}{FOLLOW_UP_SEP}{item.id}",
        text=item.follow_up,
        category=question.category,
        target_min_s=FOLLOW_UP_MIN_S,
        target_max_s=FOLLOW_UP_MAX_S,
        rubric=(item,),
        source=question.source,
    )


def find(qs: dict[str, Question], question_id: str) -> Question | None:
    """The question ``question_id`` of the bank ``qs`` (load_all), a follow-up's id too; None if none."""
    if question_id in qs:
        return qs[question_id]
    parent, sep, item_id = question_id.partition(FOLLOW_UP_SEP)
    if sep and parent in qs:
        item = next((r for r in qs[parent].rubric if r.id == item_id and r.follow_up), None)
        if item is not None:
            return follow_up(qs[parent], item)
    return None


def get(question_id: str, extra_banks: list[str | Path] = ()) -> Question:
    """The question ``question_id`` (a follow-up's id too); QuestionError naming a close id otherwise."""
    qs = load_all(extra_banks)
    found = find(qs, question_id)
    if found is not None:
        return found
    import difflib

    close = difflib.get_close_matches(question_id, list(qs), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise QuestionError(f"unknown question '{question_id}'{hint}; see `voicecoach questions list`")
