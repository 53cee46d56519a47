"""Customer-level pre-identification (投诉预识别): timeline signals and the customer risk profile."""
