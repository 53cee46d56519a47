"""Text processing: normalisation, language detection, tokenisation, lexicons and cue detection."""
