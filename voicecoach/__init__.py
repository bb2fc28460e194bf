"""voicecoach: practise spoken answers to interview questions, scored on your own machine."""

__version__ = "0.5.6"
