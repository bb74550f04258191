"""How well the models do: the evaluation of labelled recordings (``evaluation``: EER with a bootstrap interval per
model), the ASVspoof metrics (``metrics``: EER, min t-DCF) and protocol files (``protocols``).

Above ``aasist.inference`` (README, "Code layout").
"""
