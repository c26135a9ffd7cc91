"""The spiders: they decide what to fetch, nothing else."""
