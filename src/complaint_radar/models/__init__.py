"""Learned text classifiers bundled with Complaint Radar: features, model, training, registry."""
