"""The session store: one folder per session (the truth) and a SQLite index (rebuildable); scoring
saved answers again (``rescore``) and comparing them over time (``progress``)."""

from voicecoach.sessions.store import SessionInfo, SessionStore

__all__ = ["SessionInfo", "SessionStore"]
