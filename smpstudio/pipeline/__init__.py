"""One typed pipeline for a consultation: photo -> analysis -> scalp -> design -> pattern -> plan -> renders.

The CLI, the web app and the records service call this package; the engine never calls them.
"""

from smpstudio.pipeline.document import consultation_document
from smpstudio.pipeline.inputs import DesignInputs, Inputs, PatternInputs, PlanInputs, ScalpInputs
from smpstudio.pipeline.steps import DesignStep, NoTreatmentAreaError, PatternStep, Pipeline, PlanStep, ScalpStep

__all__ = ["DesignInputs", "DesignStep", "Inputs", "NoTreatmentAreaError", "PatternInputs", "PatternStep",
           "Pipeline", "PlanInputs", "PlanStep", "ScalpInputs", "ScalpStep", "consultation_document"]
