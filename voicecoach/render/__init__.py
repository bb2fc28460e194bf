"""Views of a report's dict (voicecoach.schema.report): the terminal (rich)."""
