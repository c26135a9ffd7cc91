"""The benchmarks: crawl speed (``python -m bench.run``), extraction quality
(``python -m bench.quality``) and scale-out (``python -m bench.scaleout``)."""
