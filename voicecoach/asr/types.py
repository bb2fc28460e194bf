"""What a transcription engine returns: plain dataclasses with units in their names."""

from __future__ import annotations

from dataclasses import dataclass, field

from voicecoach.asr.pieces import CARRY_S, PIECE_S

ENGLISH = "en"  # the language voicecoach scores


@dataclass(frozen=True)
class Word:
    """One transcribed word.

    Attributes:
        text: the word as the engine wrote it, punctuation attached ("Um,", "Python.").
        start_s: start time in seconds from the beginning of the recording.
        end_s: end time in seconds.
        probability: the engine's confidence in the word, 0..1.
    """

    text: str
    start_s: float
    end_s: float
    probability: float = 1.0

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Segment:
    """A stretch of transcribed speech (roughly a sentence or a phrase).

    Attributes:
        text: the segment's text.
        start_s / end_s: its time span in seconds.
        words: its words with timings.
    """

    text: str
    start_s: float
    end_s: float
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class HesitationCue:
    """How strongly the model expected a hesitation ("um", "uh", "hmm") between two written words.

    Whisper is trained on clean transcripts and rarely writes a hesitation, but its decoder still
    gives one probability at the place where it was spoken. voicecoach re-reads each window's own
    transcript after a verbatim, disfluent previous text (voicecoach.asr.probe) and keeps that
    probability at every word boundary where it is not negligible.

    Attributes:
        start_s: end of the word before the boundary (or the start of the window).
        end_s: start of the word after it (or the end of the last word in the window).
        probability: P(next token is a hesitation | audio, disfluent previous text, text so far), 0..1.
    """

    start_s: float
    end_s: float
    probability: float


@dataclass(frozen=True)
class Transcript:
    """A whole recording's transcription.

    Attributes:
        segments: the segments in time order.
        duration_s: the length of the recording (not only of its speech).
        language: the language the engine transcribed ("en").
        language_probability: how sure the engine was of that language (1.0 when forced).
        detected_language: what language detection heard, if it ran (may differ from ``language``).
        english_probability: how likely language detection found English, if it ran (0..1).
        model: the name of the model that produced it.
        numerics: "reproducible" or "native": how the numbers were computed (voicecoach.numerics).
        cues: hesitation probabilities at word boundaries (empty unless the engine probes them).
        verbatim: written with a verbatim prompt before every window (``TranscriptionOptions.window_prompt``),
            so Whisper wrote the fillers it heard.
    """

    segments: tuple[Segment, ...]
    duration_s: float
    language: str = "en"
    language_probability: float = 1.0
    detected_language: str | None = None
    english_probability: float | None = None
    model: str = ""
    numerics: str = "native"
    cues: tuple[HesitationCue, ...] = ()
    verbatim: bool = False

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments).strip()

    @classmethod
    def from_words(cls, words: list[Word], duration_s: float | None = None, **kw) -> Transcript:
        """Build a one-segment transcript from words (handy in tests and for hand-made input)."""
        words = tuple(words)
        end = words[-1].end_s if words else 0.0
        seg = Segment(
            text=" ".join(w.text for w in words), start_s=words[0].start_s if words else 0.0, end_s=end, words=words
        )
        return cls(segments=(seg,) if words else (), duration_s=end if duration_s is None else duration_s, **kw)


# Placed before every 30-s window (faster-whisper's hotwords) so that Whisper, trained mostly on clean
# transcripts, writes the fillers it hears. The wording of the peer tool erm 0.4.0 (MIT); three
# wordings were measured (docs/fillers.md).
VERBATIM_PROMPT = (
    "Um, uh, er, erm, ah, hmm. Like, you know, I mean, sort of. "
    "Verbatim transcription including all filler words and disfluencies."
)


@dataclass(frozen=True)
class Tuning:
    """What voicecoach adds to faster-whisper's ``transcribe``, each piece switchable on its own so
    that an ablation can measure what it buys (scripts/ablate.py; docs/performance.md, "What each
    piece of the ASR layer buys"). The defaults are the product's.

    Attributes:
        own_encoder: the encoder runs on a CTranslate2 model of its own with every core (the
            decoder keeps its share; the cue line's drafts run there too).
        encode_once: the first window's encoding is reused between the language check and the
            transcription (faster-whisper 1.2 encodes it twice).
        token_cap: a window writes at most MAX_TOKENS_PER_S tokens a second of its audio.
        read_on: how many times the window that ends a recording is read on from a segment Whisper
            left open (0: as faster-whisper does).
        probe_own_model: the hesitation probe reads on a CTranslate2 model of its own.
    """

    own_encoder: bool = True
    encode_once: bool = True
    token_cap: bool = True
    read_on: int = 2
    probe_own_model: bool = True


@dataclass(frozen=True)
class TranscriptionOptions:
    """How to run the engine.

    Attributes:
        model: a registry name ("base", "tiny.en"), a local CTranslate2 model folder, or (with
            internet) any faster-whisper model name.
        beam_size: beam search width; 5 is Whisper's default, 1 is greedy and ~1.5x faster.
        vad_filter: cut non-speech out with faster-whisper's bundled Silero VAD before Whisper
            hears the audio. Off by default: on the real recordings it dropped ~30 words of a quiet
            stretch (WER 0.299 with it, 0.222 without; scripts/evaluate.py). Silero still runs
            either way to skip pieces with no speech at all, so silence and noise give no text.
        cpu_threads: threads for CTranslate2 in all (0 = one per core): the decoder gets half,
            the encoder all, the hesitation probe the other half (voicecoach.asr.transcriber.ThreadPlan).
        compute_type: CTranslate2 quantisation; int8 is fastest on CPU.
        language: the language to transcribe; None lets a multilingual model detect it.
        initial_prompt: text to condition the first window on (None = nothing). faster-whisper
            drops it after the first 30-s window (or scrolls it out of the context), so it does not
            reach the rest of a long answer; see ``window_prompt``.
        window_prompt: text placed before *every* 30-s window's own text (faster-whisper's
            ``hotwords``): by default VERBATIM_PROMPT, which makes Whisper write the fillers it
            hears (None = a plain transcript).
        condition_on_previous_text: feed each window the text written for the one before it.
            Off by default: measured on a 3:19 answer, a verbatim prompt with the clean text of
            earlier windows behind it wrote none of minute 3's hesitations (docs/fillers.md).
        refill: transcribe again, on its own, any stretch of at least 2 s where Silero hears speech
            and Whisper wrote no word (it can jump its timestamps past speech: under the verbatim
            prompt base skipped 14 s of the 203-s lecture; voicecoach.asr.refill.untranscribed).
        check_language: with a multilingual model, detect the language first and decline to
            transcribe speech where another language ranks above ``language``.
        piece_s: the recording is transcribed in pieces of at most this length, cut at quiet points
            (voicecoach.asr.pieces), as a live transcriber must; a remainder carried from the
            piece before (``carry_s``) counts towards it, so 30 s is one Whisper window (docs/live.md,
            docs/results/perf-following-whisper-s-seek-each-piece-cut-at-30-s-mi.md).
        carry_s: a piece's remainder no longer than this (the audio after the last word Whisper
            wrote in it) is put before the next piece rather than transcribed as a window of its
            own; 0 = never, 30 (the default) = always, so each window starts where the last
            one's words ended, as in a whole file (voicecoach.asr.pieces).
        probe_hesitations: re-read each window's transcript to find where the model expected an
            "um" or "uh" it did not write (``Transcript.cues``); one forced decoder pass per window,
            after a disfluent previous text, run beside the transcription of the next window. Off
            by default (the verbatim prompt finds more; voicecoach.analysis.fillers.FillerMethod).
        extra: further keyword arguments for faster-whisper's ``WhisperModel.transcribe``.
        tuning: the pieces voicecoach adds to faster-whisper's transcription (``Tuning``).
    """

    model: str = "base"
    beam_size: int = 5
    vad_filter: bool = False
    cpu_threads: int = 0
    compute_type: str = "int8"
    language: str | None = "en"
    initial_prompt: str | None = None
    window_prompt: str | None = VERBATIM_PROMPT
    condition_on_previous_text: bool = False
    refill: bool = True
    check_language: bool = True
    probe_hesitations: bool = False
    piece_s: float = PIECE_S
    carry_s: float = CARRY_S
    extra: dict = field(default_factory=dict)
    tuning: Tuning = Tuning()
