"""Views of a Report: JSON (versioned schema) and the terminal (rich)."""
