"""The web demo (a Gradio app; ``app.py`` runs it): record or upload speech, get the AASIST verdict, the figures and
the live monitor. The library (``aasist``) does the work; this package is the page.

    settings.py        limits, models and paths                 model_pool.py     the models, loaded once, and the CPU
    texts.py           the page's prose                         views.py          HTML of results and statuses
    recordings.py      an upload or a recording made on the page   examples.py    the example clips and their labels
    updates.py         page updates as named structures         gradio_uploads.py every Gradio internal the app reads
    analysis_tab.py    Analyze a recording, and the /analyze API   live_tab.py    the live monitor (live_session.py)
    batch_tab.py       many files in, a table and a CSV out     about_tab.py      API and about
    page.py            the whole page: header, model status, tabs, theme, style and launch options
"""
