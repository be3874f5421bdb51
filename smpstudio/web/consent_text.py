"""The consent text the client reads and signs on the tablet, by version (a signature keeps its version)."""

from __future__ import annotations

CURRENT_VERSION = "smp-consent-2026-12"

TEXTS: dict[str, str] = {
    CURRENT_VERSION: (
        "Scalp micropigmentation (SMP) places small dots of pigment in the upper skin of the scalp to look like "
        "closely shaved hair. It is a cosmetic tattoo: it does not grow hair and it is not a medical treatment.\n\n"
        "The previews I was shown are simulations made from my photo. The healed result depends on my skin, "
        "sun exposure and aftercare, and may differ from them. The dots lighten in the first weeks and fade "
        "over the years; a touch-up is needed every few years.\n\n"
        "Risks include redness, swelling and tenderness for a few days, infection, allergic reaction to the "
        "pigment, spreading (blurring) of dots and colour change. Removal is possible only with laser "
        "treatment and may be incomplete.\n\n"
        "I have answered the health questions truthfully, I will follow the aftercare instructions, and I "
        "agree to the treatment plan and the hairline shown."
    ),
}
