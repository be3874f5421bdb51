"""One typed pipeline for a consultation: photo -> analysis -> scalp -> design -> pattern -> plan -> renders.

The CLI, the web app and the records service call this package; the engine never calls them.
"""

from smpstudio.pipeline.document import consultation_document
from smpstudio.pipeline.inputs import (
    DesignInputs,
    Inputs,
    PatternInputs,
    PlanInputs,
    ScalpInputs,
    ScarSpec,
    WholeHeadInputs,
)
from smpstudio.pipeline.steps import (
    DesignStep,
    NoTreatmentAreaError,
    PatternStep,
    Pipeline,
    PlanStep,
    ProjectedView,
    ScalpStep,
    ViewPhoto,
)

__all__ = ["DesignInputs", "DesignStep", "Inputs", "NoTreatmentAreaError", "PatternInputs", "PatternStep",
           "Pipeline", "PlanInputs", "PlanStep", "ProjectedView", "ScalpInputs", "ScalpStep", "ScarSpec", "ViewPhoto",
           "WholeHeadInputs", "consultation_document"]
