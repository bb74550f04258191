"""Training, evaluation and publishing of countermeasures on ASVspoof 2019 (``python -m aasist train|evaluate|push``).

Imported only by those subcommands: the detector and the app do not need it.
"""
