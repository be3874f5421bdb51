"""The plan's checks and warnings in words a client understands (the client's pack, issue 12).

The plan's findings are written for the artist (dilutions, ΔE00, option names). The client's pack says
what each one means for the client and what happens next; a finding this module does not know is kept,
with the artist's jargon removed, rather than hidden.

Examples
--------
>>> client_check("contraindication_pregnancy", "contraindication: pregnancy")
'We cannot start treatment yet: you told us about pregnancy. A doctor needs to clear this first.'
>>> client_warning("sessions 8 days apart (advised 10-14) (...)")
'Your sessions are closer together than we advise; the skin needs 10-14 days to heal between sessions.'
>>> shade_words(20.0), shade_words(10.0), shade_words(6.0), shade_words(0.0)
('light grey', 'medium grey', 'dark grey', 'near-black')
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from smpstudio.schema import PlanDocument

#: (least water parts of water:1, the shade's name): domain.md §1 pigment, "20:1 light ... 6:1 dark; little
#: or no water for black hair / dark skin" [the band edges between those anchors: model choice]
SHADE_BANDS: tuple[tuple[float, str], ...] = ((15.0, "light grey"), (8.0, "medium grey"), (4.0, "dark grey"),
                                              (0.0, "near-black"))


def shade_words(water_parts: float) -> str:
    """A water:pigment dilution as the shade a client understands (``20`` -> ``"light grey"``)."""
    return next(name for least, name in SHADE_BANDS if water_parts >= least - 1e-9)


def shade_with_mix(water_parts: float, label: str) -> str:
    """The shade's name with the mix the artist records: ``"medium grey (10:1 water to pigment)"``."""
    mix = "undiluted" if water_parts == 0 else f"{label} water to pigment"
    return f"{shade_words(water_parts)} ({mix})"


#: check code -> what it means for the client
CHECK_WORDS: dict[str, str] = {
    "hairline_low_for_age": "The hairline drawn sits lower than we advise at your age. A hairline that is too low "
                            "can look unnatural and cannot be moved up later, so your artist may raise it.",
    "density_painted_on": "The dots planned are closer together than natural hair grows; they could look painted "
                          "on, so your artist may space them out.",
    "pigment_too_dark": "The planned shade is darker than we advise for your skin tone; very dark pigment can look "
                        "blue-grey over time, so your artist may choose a lighter shade.",
    "sessions_too_close": "Your sessions are closer together than we advise; the skin needs 10-14 days to heal "
                          "between sessions.",
    "hairline_dots_too_large": "The dots at the front edge would be larger than we advise; your artist will use a "
                               "finer needle there so the edge looks soft.",
    "hairline_needle_grouping": "Your artist will use a single fine needle at the front edge so the dots there look "
                                "like hair follicles.",
    "session_too_long": "One session is longer than most people find comfortable; it may be split over two days.",
}

#: (pattern in the artist's warning, what it means for the client)
WARNING_WORDS: tuple[tuple[str, str], ...] = (
    (r"crown is not visible", "Your photo shows the front of your head, so this plan covers the hairline, front and "
                              "temples. The crown (top and back) is not included; a photo from above is needed to "
                              "plan it."),
    (r"preview shows the head (shaved|buzzed)", "The pictures show your head shaved, as scalp micropigmentation is "
                                                "worn. The shaving is simulated by the computer from your photo."),
    (r"healed match after \d+ sessions", "The healed dots will be slightly lighter than your hair colour: a darker "
                                         "pigment would not be safe for your skin tone, so we stay in the safe range."),
    (r"no hair pixels", "We could not see your hair colour in the photo, so the shade matches a dark brown-black "
                        "stubble; your artist will confirm the shade with you."),
    (r"hardly show on this skin", "On your skin tone the dots will look subtle; the touch-up date is based on how "
                                  "much pigment is left in the skin."),
    (r"(irises measure|inter-pupillary)", "The size of your head was estimated from your eyes in the photo and may "
                                          "be off by a few millimetres; your artist measures it again in person."),
    (r"sessions \d+ days apart", CHECK_WORDS["sessions_too_close"]),
    (r"session (\d+) needs [\d.]+ h .*split over (\d+)", "Session {0} is long, so it is split over {1} visits on "
                                                         "consecutive days."),
    (r"session \d+ needs [\d.]+ h", CHECK_WORDS["session_too_long"]),
    (r"below the \d+ mm advised at age", CHECK_WORDS["hairline_low_for_age"]),
    (r"is darker than .* advised for", CHECK_WORDS["pigment_too_dark"]),
    (r"no dilution of .* is in the window", "No shade of the chosen pigment is in the range we advise for your skin "
                                            "tone; your artist uses the closest one and will talk it through."),
    (r"not meant for .* skin", "The chosen pigment is not the one usually used for your skin tone; your artist will "
                               "talk this through with you."),
    (r"no scalp above the designed hairline", "Your photo shows no scalp above the hairline; the plan needs a photo "
                                              "with the forehead and scalp visible."),
    (r"suggested: re-layer|extra session|4th session", "An extra session may be needed to even out the shade "
                                                        "(about one client in five needs one)."),
)


def client_check(code: str, message: str) -> str:
    """What a check means for the client (``code`` from :class:`smpstudio.plan.models.CheckBlock`)."""
    if code.startswith("contraindication_"):
        what = message.split(":", 1)[-1].strip()
        return f"We cannot start treatment yet: you told us about {what}. A doctor needs to clear this first."
    return CHECK_WORDS.get(code) or plain(message)


def client_warning(text: str) -> str:
    """What one of the plan's warnings means for the client."""
    for pattern, words in WARNING_WORDS:
        m = re.search(pattern, text)
        if m:
            return words.format(*m.groups()) if "{0}" in words else words
    return plain(text)


def plain(text: str) -> str:
    """The artist's sentence without jargon: no option names, sources, colour-difference units."""
    text = re.sub(r"\s*\((?:[^()]*domain\.md[^()]*|\.\.\.)\)", "", text)
    text = re.sub(r"--[a-z-]+", "an option", text)
    text = re.sub(r"ΔE(00)?\s*[\d.]+", "a visible colour difference", text)
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "."


def client_notes(doc: PlanDocument) -> tuple[list[str], list[str]]:
    """``(must resolve before treatment, good to know)`` for the client, each sentence once.

    A warning that repeats a check (the plan lists each check's line among its warnings) is given once.
    """
    checks = doc.checks or []
    check_lines = {f"{c.message} ({c.reason}; {c.source})" for c in checks}
    stops = _unique(client_check(c.code, c.message) for c in checks if c.severity == "stop")
    know = _unique([client_check(c.code, c.message) for c in checks if c.severity != "stop"]
                   + [client_warning(w) for w in doc.warnings if w not in check_lines])
    return stops, [k for k in know if k not in stops]


def _unique(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for s in items:
        if s not in seen:
            seen.append(s)
    return seen

