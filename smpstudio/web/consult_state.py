"""One consultation in progress in the web app: its photo at display size, its pipeline and its inputs.

A consultation lives in the server's memory while the artist works on it (moves of the hairline, style,
sessions ...); its inputs are kept as a draft in the database after every settled change, so a restarted
server rebuilds it (:mod:`smpstudio.web.consult_persist`), and it becomes a record (plan and consent)
only when it is saved with the client's consent. It belongs to one clinic and one user: anyone else gets
"not found", as for every other record.

The whole consultation runs on the photo scaled to display size (:data:`DISPLAY_LONG_SIDE_PX`): what
the tablet shows, at a cost a drag can afford (a 12 MP photo's design alone takes ~2 s; at display size
a moved point costs tens of milliseconds). Moves are kept on the face frame in millimetres, so they do
not depend on the photo's resolution.
"""

from __future__ import annotations

import collections
import dataclasses
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from smpstudio.imaging.intake import Photo
from smpstudio.pipeline import DesignInputs, Inputs, PatternInputs, Pipeline, PlanInputs
from smpstudio.plan.cost import Prices
from smpstudio.records.errors import NotFound

DISPLAY_LONG_SIDE_PX = 640  # the tablet shows the photo at ~450-700 CSS px
MAX_CONSULTS_PER_USER = 3  # each holds a display-size photo and a few cached steps (~50 MB)
MAX_CONSULTS = 24


@dataclass
class Consult:
    """A consultation in progress (not yet a record)."""

    id: int
    clinic_id: int
    user_id: int
    client_id: int
    photo_id: int  # the stored photo (records) it is made from
    photo_sha256: str  # of the stored JPEG
    source_size: tuple[int, int]  # (w, h) of the stored photo
    photo: Photo  # the display-size copy every step runs on
    pipe: Pipeline
    inputs: Inputs
    crop_px: tuple[int, int, int, int] = (0, 0, 0, 0)  # the view's box (x, y, w, h) on the stored photo
    draft: bool = False  # the inputs' plan is not computed yet (a drag under way): previews use the last plan's shades
    last_plan: object = None  # the last PlanStep computed (its shades draw a draft) and its plan in words
    last_view: object = None
    revision: int = 0  # +1 per change of the design or the plan's options
    base: tuple[int, bytes, str] | None = None  # (id of the scalp step, PNG, sha256) of the scene dots are drawn on
    whole: dict[tuple[object, ...], tuple[object, dict[str, bytes]]] = field(default_factory=dict)  # whole-head plans
    served: dict[str, str] = field(default_factory=dict)  # preview name -> sha256 of the image sent (this revision)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def scale(self) -> float:
        """Display px per stored-photo px."""
        return self.photo.width / (self.crop_px[2] or self.source_size[0])

    def change(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.revision += 1
        # the photo itself did not change
        self.served = {k: v for k, v in self.served.items() if k in ("before", "before.png")}


class ConsultStore:
    """The consultations in progress of one app (in memory; the oldest are dropped beyond the limits)."""

    def __init__(self, max_total: int = MAX_CONSULTS, max_per_user: int = MAX_CONSULTS_PER_USER) -> None:
        self._items: collections.OrderedDict[int, Consult] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.max_total = max_total
        self.max_per_user = max_per_user
        self._backend = None
        self.prices: dict[int, Prices] = {}

    def pipeline(self) -> Pipeline:
        """A pipeline for one consultation (sharing the loaded face-landmark model)."""
        with self._lock:
            if self._backend is None:
                from smpstudio.analysis.landmarks import default_backend

                self._backend = default_backend()  # type: ignore[assignment]
            backend = self._backend
        return Pipeline(backend=backend)

    def add(self, consult: Consult, keep_id: bool = False,
            taken: Callable[[int], bool] = lambda _cid: False) -> Consult:
        """Keep ``consult`` under a new random id not held nor ``taken`` (a stored draft's), or under its own
        with ``keep_id`` (one rebuilt after a restart)."""
        with self._lock:
            while not keep_id:
                cid = secrets.randbelow(2_000_000_000) + 1
                if cid not in self._items and not taken(cid):
                    consult = dataclasses.replace(consult, id=cid)
                    break
            cid = consult.id
            owner = (consult.clinic_id, consult.user_id)
            mine = [k for k, c in self._items.items() if (c.clinic_id, c.user_id) == owner]
            for k in mine[: max(0, len(mine) - self.max_per_user + 1)]:
                del self._items[k]
            self._items[cid] = consult
            while len(self._items) > self.max_total:
                self._items.popitem(last=False)
            return consult

    def get(self, clinic_id: int, user_id: int, consult_id: int) -> Consult:
        """The user's consultation ``consult_id``; NotFound for anyone else's (or one that was dropped)."""
        with self._lock:
            c = self._items.get(consult_id)
            if c is None or c.clinic_id != clinic_id or c.user_id != user_id:
                raise NotFound(f"consultation {consult_id} not found (it may have expired: start it again)",
                               lookup=("consultation", consult_id))  # audited like a record's miss
            self._items.move_to_end(consult_id)
            return c

    def drop(self, consult_id: int) -> None:
        with self._lock:
            self._items.pop(consult_id, None)


def default_inputs(seed: int) -> Inputs:
    return Inputs(seed=seed, design=DesignInputs(), pattern=PatternInputs(), plan=PlanInputs())
