"""Reusable dashboard parts: stat bars, the cat table, portraits, the timeline, the banner."""
