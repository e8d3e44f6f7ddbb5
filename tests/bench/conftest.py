"""The benchmark is run by ``make bench``, never collected by pytest (it seeds 50,000 services)."""

collect_ignore_glob = ["*.py"]
