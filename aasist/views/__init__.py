"""What people read and look at: the wording of a result (``present``), the figures of an analysis (``plots`` and
the modules it draws with) and of an evaluation (``evaluation_plots``), the screen they are drawn for (``layout``),
the live chart (``live_chart``) and the HTML reports (``report``, ``evaluation_report``).

Above ``aasist.evaluation``; nothing in the library below imports it (README, "Code layout").
"""
