"""Item pipelines and the JSONL output file."""
