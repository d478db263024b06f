"""The dashboard's own themes (Textual's built-in ones stay available)."""

from __future__ import annotations

from textual.theme import Theme

PURRR_THEMES = (
    Theme(
        name="purrr-dark",
        primary="#E8A13A",
        secondary="#8FB3E8",
        accent="#F28CB1",
        warning="#F2C14E",
        error="#E5484D",
        success="#6CC070",
        background="#1B1A1F",
        surface="#25232B",
        panel="#302D38",
        dark=True,
    ),
    Theme(
        name="purrr-light",
        primary="#B2641A",
        secondary="#3A6EA5",
        accent="#C2306B",
        warning="#A57700",
        error="#C0282D",
        success="#2E7D32",
        background="#FBF7F0",
        surface="#F2ECE2",
        panel="#E6DDCF",
        dark=False,
    ),
)
