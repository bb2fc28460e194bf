"""Combine the analysers into a Report: the overall score, its parts, and tips in priority order.

Overall score (0-100) = weighted mean of five part scores (weights in
voicecoach.analysis.report.WEIGHTS):
- coverage: 100 x (covered + half of partly) / rubric items.
- fillers: 100 at <= 2 fillers/min, falling linearly to 0 at 12/min (listeners show no penalty
  up to ~5/min; harm concentrates near 12/min).
- length: 100 inside the target window, falling linearly to 0 at half the minimum or at 1.5x
  the maximum.
- pace: 100 inside the comfortable range, falling linearly to 0 at 50 wpm outside it (70%
  of the part), plus the share of timeline windows inside the range (30%).
- pauses: 100 minus 25 for every long pause (>= 2 s) per minute of answer.
A recording with no speech, or not in English, gets no score (None) and a notice saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.analysis.delivery import (
    CLIPPED,
    MONOTONE,
    TOO_LOUD,
    TOO_QUIET,
    TRAILING_OFF,
    DeliveryOptions,
    DeliveryResult,
    analyse_delivery,
)
from voicecoach.analysis.fillers import FillerMethod, FillerOptions, FillerResult, find_fillers, summarise
from voicecoach.analysis.language import (
    HEDGE,
    NO_NUMBERS,
    REPETITION,
    STAR_ORDER,
    WE_NOT_I,
    WEAK_ENDING,
    WEAK_OPENING,
    LanguageOptions,
    LanguageResult,
    analyse_language,
)
from voicecoach.analysis.length import LONG, SHORT, LengthResult, analyse_length
from voicecoach.analysis.pace import FAST, SLOW, PaceOptions, PaceResult, analyse_pace
from voicecoach.analysis.pauses import PauseOptions, PauseResult, analyse_pauses, is_gap
from voicecoach.analysis.recovery import RecoveryOptions, recover_hesitations
from voicecoach.analysis.report import NO_SPEECH, TRANSCRIPTION_GAP, WEIGHTS, Notice, Report, Tip
from voicecoach.analysis.rubric import COVERED, MISSED, PARTLY, Encoder, RubricOptions, RubricResult, analyse_rubric
from voicecoach.asr.types import Transcript
from voicecoach.questions import Question
from voicecoach.timefmt import clock

FILLERS_FREE_PER_MIN = 2.0
FILLERS_ZERO_PER_MIN = 12.0
PACE_ZERO_OUTSIDE_WPM = 50.0
LONG_PAUSE_COST = 25.0  # points per long pause per minute
MAX_TIPS = 5
MIN_TIPS = 3


@dataclass(frozen=True)
class AnalysisOptions:
    """All analyser options in one place (each documented in its own class)."""

    pace: PaceOptions = PaceOptions()
    pauses: PauseOptions = PauseOptions()
    fillers: FillerOptions = FillerOptions()
    # off by default since 0.3.0: Whisper writes the fillers under a verbatim prompt instead
    # (voicecoach.analysis.fillers.FillerMethod); the transcript then has no cues to recover from
    recovery: RecoveryOptions = RecoveryOptions(enabled=False)
    rubric: RubricOptions = RubricOptions()
    delivery: DeliveryOptions = DeliveryOptions()
    wording: LanguageOptions = LanguageOptions()


def _lin(x: float, good: float, zero: float) -> float:
    """100 at ``good``, 0 at ``zero``, linear between, clamped."""
    if zero == good:
        return 100.0
    return max(0.0, min(100.0, 100.0 * (zero - x) / (zero - good)))


def part_scores(
    length: LengthResult, pace: PaceResult, fillers: FillerResult, pauses: PauseResult, rubric: RubricResult
) -> dict[str, float]:
    if length.verdict == SHORT:
        len_score = _lin(length.answer_s, length.target_min_s, length.target_min_s / 2)
    elif length.verdict == LONG:
        len_score = _lin(length.answer_s, length.target_max_s, length.target_max_s * 1.5)
    else:
        len_score = 100.0
    if pace.wpm < pace.min_wpm:
        overall = _lin(pace.wpm, pace.min_wpm, pace.min_wpm - PACE_ZERO_OUTSIDE_WPM)
    elif pace.wpm > pace.max_wpm:
        overall = _lin(pace.wpm, pace.max_wpm, pace.max_wpm + PACE_ZERO_OUTSIDE_WPM)
    else:
        overall = 100.0
    judged = [w for w in pace.windows if w.verdict]
    share_ok = 100.0 * sum(w.verdict == "ok" for w in judged) / len(judged) if judged else overall
    minutes = max(length.answer_s / 60, 1 / 60)
    return {
        "coverage": 100.0 * rubric.coverage,
        "fillers": _lin(fillers.per_minute, FILLERS_FREE_PER_MIN, FILLERS_ZERO_PER_MIN),
        "length": len_score,
        "pace": 0.7 * overall + 0.3 * share_ok,
        "pauses": max(0.0, 100.0 - LONG_PAUSE_COST * len(pauses.long_pauses) / minutes),
    }


def overall_score(parts: dict[str, float]) -> float:
    return sum(WEIGHTS[k] * parts[k] for k in WEIGHTS) / sum(WEIGHTS.values())


def _point(description: str) -> str:
    """'Academic background: degree, ...' -> 'academic background (degree, ...)'."""
    head, _, rest = description.partition(": ")
    text = f"{head} ({rest})" if rest else head
    return text[0].lower() + text[1:] if text[:2] != text[:2].upper() else text


# Delivery is advisory (no points): its tips rank by these fixed priorities among the others, whose
# priority is the points they could win back. A recording problem first: it affects every figure.
DELIVERY_PRIORITY = {CLIPPED: 6.0, TOO_QUIET: 6.0, TOO_LOUD: 4.0, MONOTONE: 4.0, TRAILING_OFF: 3.0}


def delivery_tips(delivery: DeliveryResult | None) -> list[Tip]:
    """One tip per kind of delivery finding (the first of each), with its time."""
    if delivery is None:
        return []
    tips, seen = [], set()
    for f in delivery.findings:
        if f.kind in seen:
            continue
        seen.add(f.kind)
        n = len(delivery.of(f.kind))
        text = f.text
        if f.kind == MONOTONE:
            text += " Let your voice rise on what matters and fall at the end of a point."
            if n > 1:
                text += f" ({n} such stretches in all)"
        elif f.kind == TRAILING_OFF:
            text += " Keep your voice up to the last word of each sentence."
            if n > 1:
                text += f" ({n} sentences in all)"
        tips.append(Tip(text, "delivery", DELIVERY_PRIORITY[f.kind], f.start_s))
    return tips


# Language findings are advisory too, ranked the same way.
LANGUAGE_PRIORITY = {
    NO_NUMBERS: 5.0,
    STAR_ORDER: 5.0,
    WE_NOT_I: 4.0,
    WEAK_OPENING: 3.0,
    WEAK_ENDING: 3.0,
    HEDGE: 2.5,
    REPETITION: 2.0,
}
MANY = 3  # hedges or repetitions worth a tip


def _quote(phrases, n: int = 3) -> str:
    return ", ".join(f'"{p.text.strip(",.")}" {clock(p.start_s)}' for p in phrases[:n])


def language_tips(lang: LanguageResult | None) -> list[Tip]:
    if lang is None:
        return []
    tips = []
    P = LANGUAGE_PRIORITY
    if lang.numbers_asked and not lang.numbers:
        tips.append(
            Tip(
                "The question asks for impact, and your answer has no number in it. Put one on the result: "
                "a percentage, an amount, a time saved.",
                "wording",
                P[NO_NUMBERS],
            )
        )
    if lang.star_asked and not lang.star_in_order:
        missing = [k for k, t in lang.star.items() if t is None]
        text = (
            f"Tell it in STAR order: I did not hear the {' or the '.join(missing)}."
            if missing
            else "Tell it in STAR order: situation, task, action, then result. Yours came in another order."
        )
        tips.append(Tip(text, "wording", P[STAR_ORDER]))
    if lang.we_flagged:
        tips.append(
            Tip(
                f'You said "we" {lang.we_count} times and "I" {lang.i_count}. Interviewers want your part: '
                "say what you did.",
                "wording",
                P[WE_NOT_I],
            )
        )
    for kind, text in (
        (WEAK_OPENING, "You opened with {q}. Start with your point instead."),
        (WEAK_ENDING, "You ended with {q}. Finish on your strongest point, then stop."),
    ):
        found = lang.of(kind)
        if found:
            tips.append(Tip(text.format(q=f'"{found[0].text.strip(",. ")}"'), "wording", P[kind], found[0].start_s))
    hedges, reps = lang.of(HEDGE), lang.of(REPETITION)
    if len(hedges) >= MANY:
        tips.append(
            Tip(
                f"You hedged {len(hedges)} times ({_quote(hedges)}). Say what you know plainly.",
                "wording",
                P[HEDGE],
                hedges[0].start_s,
            )
        )
    if len(reps) >= MANY:
        tips.append(
            Tip(
                f"You repeated or restarted {len(reps)} times ({_quote(reps)}). Pause and say it once.",
                "wording",
                P[REPETITION],
                reps[0].start_s,
            )
        )
    return tips


def make_tips(
    parts: dict[str, float],
    length: LengthResult,
    pace: PaceResult,
    fillers: FillerResult,
    pauses: PauseResult,
    rubric: RubricResult,
    delivery: DeliveryResult | None = None,
    wording: LanguageResult | None = None,
) -> list[Tip]:
    """Concrete advice, most valuable first (ranked by the points each problem costs)."""
    tips: list[Tip] = []

    def lost(area: str) -> float:
        return WEIGHTS[area] * (100.0 - parts[area]) / 100.0

    if rubric.items:
        missing = [i for i in rubric.items if i.status == MISSED]
        partly = [i for i in rubric.items if i.status == PARTLY]
        for i in missing[:2]:
            tips.append(
                Tip(
                    f"You did not cover {_point(i.description)}. Add a sentence or two on it.",
                    "coverage",
                    WEIGHTS["coverage"] / len(rubric.items),
                )
            )
        for i in partly[:1]:
            tips.append(
                Tip(
                    f"You only touched on {_point(i.description)} at {clock(i.evidence_start_s or 0)}. "
                    "Make it a clear point of its own.",
                    "coverage",
                    0.5 * WEIGHTS["coverage"] / len(rubric.items),
                    i.evidence_start_s,
                )
            )
    if fillers.count and parts["fillers"] < 100:
        top = ", ".join(f'"{w}" ×{n}' for w, n in list(fillers.by_word.items())[:3])
        first = fillers.fillers[0].start_s
        word = "filler word" if fillers.count == 1 else "filler words"
        tips.append(
            Tip(
                f"You used {fillers.count} {word} ({fillers.per_minute:.1f} per minute: {top}), "
                f"the first at {clock(first)}. Pause silently instead; aim for under "
                f"{FILLERS_FREE_PER_MIN:.0f} per minute.",
                "fillers",
                lost("fillers"),
                first,
            )
        )
    if length.verdict == SHORT:
        tips.append(
            Tip(
                f"Your answer ran {clock(length.answer_s)}, {clock(length.off_by_s)} short of the "
                f"{clock(length.target_min_s)}–{clock(length.target_max_s)} target. Add a concrete "
                "example or result.",
                "length",
                lost("length"),
            )
        )
    elif length.verdict == LONG:
        tips.append(
            Tip(
                f"Your answer ran {clock(length.answer_s)}, {clock(length.off_by_s)} over the "
                f"{clock(length.target_min_s)}–{clock(length.target_max_s)} target. Cut the least "
                "relevant part.",
                "length",
                lost("length"),
            )
        )
    if pace.verdict in (SLOW, FAST) or pace.flagged:
        if pace.verdict == FAST:
            text = (
                f"You spoke at {pace.wpm:.0f} words per minute, faster than the comfortable "
                f"{pace.min_wpm:.0f}–{pace.max_wpm:.0f}. Slow down and let key points land."
            )
        elif pace.verdict == SLOW:
            text = (
                f"You spoke at {pace.wpm:.0f} words per minute, slower than the comfortable "
                f"{pace.min_wpm:.0f}–{pace.max_wpm:.0f}. Tighten the pauses and keep moving."
            )
        else:
            w = pace.flagged[0]
            text = (
                f"Your pace was {w.verdict} ({w.wpm:.0f} wpm) from {clock(w.start_s)} to {clock(w.end_s)}; "
                f"elsewhere it stayed in the comfortable range."
            )
        at = pace.flagged[0].start_s if pace.flagged else None
        tips.append(Tip(text, "pace", max(lost("pace"), 0.5), at))
    if pauses.long_pauses:
        p = max(pauses.long_pauses, key=lambda p: p.duration_s)
        more = (
            f" ({len(pauses.long_pauses)} pauses over {pauses.long_pause_s:.0f} s in all)"
            if len(pauses.long_pauses) > 1
            else ""
        )
        tips.append(
            Tip(
                f"You paused {p.duration_s:.0f} s at {clock(p.start_s)}{more}. Rehearse that "
                "transition so the next point comes ready.",
                "pauses",
                lost("pauses"),
                p.start_s,
            )
        )
    tips += delivery_tips(delivery) + language_tips(wording)
    tips.sort(key=lambda t: -t.priority)
    tips = tips[:MAX_TIPS]
    # Fewer than three problems: add what to keep doing, so the advice is still concrete.
    keep = [
        (
            "coverage",
            rubric.items and rubric.count(COVERED) == len(rubric.items),
            "You covered every point of the rubric. Keep the same structure next time.",
        ),
        (
            "fillers",
            fillers.count == 0 or parts["fillers"] == 100,
            f"Fillers were rare ({fillers.per_minute:.1f} per minute). Keep pausing silently instead.",
        ),
        (
            "pace",
            pace.verdict == "ok" and not pace.flagged,
            f"Your pace of {pace.wpm:.0f} words per minute was comfortable throughout.",
        ),
        (
            "length",
            length.verdict == "on target",
            f"At {clock(length.answer_s)} your answer was inside the target window.",
        ),
        ("pauses", not pauses.long_pauses, f"No pause ran over {pauses.long_pause_s:.0f} s: your answer flowed."),
    ]
    have = {t.area for t in tips}
    for area, ok, text in keep:
        if len(tips) >= MIN_TIPS:
            break
        if ok and area not in have:
            tips.append(Tip(text, area, 0.0))
    return tips


def build_report(
    question: Question,
    transcript: Transcript,
    encoder: Encoder | None,
    options: AnalysisOptions = AnalysisOptions(),
    audio_path: str | None = None,
    notices: tuple[Notice, ...] = (),
    samples=None,
    live: bool = False,
    tracks=None,
) -> Report:
    """Run every analyser on ``transcript`` and combine the results.

    ``samples`` (16-kHz mono) lets the filler count add the hesitations Whisper heard but did not
    write (analysis.recovery); without them only written fillers count. ``tracks`` (the audio's
    pitch and level, voicecoach.audio.features) give the delivery figures.
    """
    words = sorted(transcript.words, key=lambda w: w.start_s)
    has_speech = any(not is_gap(w, options.pauses) for w in words)
    if not has_speech or notices:
        answer_s = (words[-1].end_s - words[0].start_s) if words else 0.0
        length = analyse_length(
            answer_s, transcript.duration_s, question.target_min_s, question.target_max_s, has_speech=has_speech
        )
        if not has_speech and not notices:
            notices = (
                Notice(
                    NO_SPEECH,
                    "No speech was detected in this recording, so it was not scored. "
                    "Check that the microphone was on and the file holds your answer.",
                ),
            )
        return Report(
            question=question,
            transcript=transcript,
            length=length,
            pace=None,
            fillers=None,
            pauses=None,
            rubric=None,
            parts={},
            score=None,
            tips=(),
            notices=notices,
            audio_path=audio_path,
            model=transcript.model,
            numerics=transcript.numerics,
            live=live,
        )
    answer_s = words[-1].end_s - words[0].start_s
    pauses = analyse_pauses(words, options.pauses)
    pace = analyse_pace(words, pauses, options.pace, options.pauses)
    length = analyse_length(answer_s, transcript.duration_s, question.target_min_s, question.target_max_s)
    found = find_fillers(transcript, options.fillers)
    heard = samples is not None and options.recovery.enabled
    if heard:
        found += recover_hesitations(transcript, samples, options.recovery)
    method = FillerMethod.of(transcript.verbatim, heard)
    fillers = summarise(found, pace.words, max(answer_s - pauses.gap_total_s, 0.0), method)
    rubric = analyse_rubric(transcript, question, encoder, options.rubric)
    parts = part_scores(length, pace, fillers, pauses, rubric)
    delivery = analyse_delivery(tracks, words, options.delivery) if tracks is not None else None
    wording = analyse_language(transcript, question, tuple(found), options.wording)
    tips = make_tips(parts, length, pace, fillers, pauses, rubric, delivery, wording)
    notes = list(notices)
    if pauses.gaps:
        notes.append(
            Notice(
                TRANSCRIPTION_GAP,
                f"{sum(g.duration_s for g in pauses.gaps):.1f} s of speech could not be "
                "transcribed word by word (a transcription gap); it is left out of pace and pause figures.",
            )
        )
    return Report(
        question=question,
        transcript=transcript,
        length=length,
        pace=pace,
        fillers=fillers,
        pauses=pauses,
        rubric=rubric,
        parts=parts,
        score=overall_score(parts),
        tips=tuple(tips),
        notices=tuple(notes),
        audio_path=audio_path,
        model=transcript.model,
        numerics=transcript.numerics,
        live=live,
        delivery=delivery,
        wording=wording,
    )
