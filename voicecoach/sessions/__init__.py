"""The session store: one folder per session (the truth) and a SQLite index (rebuildable)."""

from voicecoach.sessions.store import SessionInfo, SessionStore

__all__ = ["SessionInfo", "SessionStore"]
