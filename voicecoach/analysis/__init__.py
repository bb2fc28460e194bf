"""The analysers: pure functions of a Transcript (and options) that return result dataclasses."""
