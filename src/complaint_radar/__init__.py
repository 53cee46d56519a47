"""Complaint Radar: spot customer dissatisfaction before it becomes a formal complaint."""

from complaint_radar.errors import ComplaintRadarError, InputError
from complaint_radar.models.taxonomy import CustomTaxonomy as Taxonomy
from complaint_radar.models.taxonomy import TopicPrediction
from complaint_radar.pipeline import Analyzer, assessment_row
from complaint_radar.settings import Settings, get_settings
from complaint_radar.text.pii import MaskResult, PiiKind, mask_pii, mask_text
from complaint_radar.types import (
    Assessment,
    Cause,
    Channel,
    CueCode,
    CustomerType,
    Demand,
    Emotion,
    RiskLevel,
    Stage,
)

__version__ = "0.1.0"

__all__ = [
    "Analyzer",
    "Assessment",
    "Cause",
    "Channel",
    "ComplaintRadarError",
    "CueCode",
    "CustomerType",
    "Demand",
    "Emotion",
    "InputError",
    "MaskResult",
    "PiiKind",
    "RiskLevel",
    "Settings",
    "Stage",
    "Taxonomy",
    "TopicPrediction",
    "__version__",
    "assessment_row",
    "get_settings",
    "mask_pii",
    "mask_text",
]
