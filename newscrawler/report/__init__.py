"""What a person reads: the run summary, the progress line, one human line per failure."""
