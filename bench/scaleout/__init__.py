"""Scale-out benchmark: ``python -m bench.scaleout``."""
